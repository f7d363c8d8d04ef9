import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  migrateDatabase,
  TenantContext,
  tenantTableSql,
  UnitOfWorkScopeHook,
} from '@tenantbus/tenant-context';
import { createTestDatabase, type TestDatabase } from '@tenantbus/testing';
import { ClsServiceManager } from 'nestjs-cls';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { CustomerDailyMetrics } from '../apps/sync-service/src/account-metrics/customer-daily-metrics.entity';
import { Account } from '../apps/sync-service/src/accounts/account.entity';
import { ormOptions as syncOrmOptions } from '../apps/sync-service/src/database/mikro-orm.options';
import { ormOptions as usageOrmOptions } from '../apps/usage-service/src/database/mikro-orm.options';
import { UsageQueryRepository } from '../apps/usage-service/src/usage/usage-query.repository';
import { measureLatencyInterleaved, type Sample } from './measure';
import { REPS, seconds } from './support';

/** `BENCH_TENANT_COUNTS=10,100` for a quick check; the first count is every row's baseline. */
export const TENANT_COUNTS = (process.env.BENCH_TENANT_COUNTS ?? '10,1000,10000')
  .split(',')
  .map(Number);
const QUERIES = Number(process.env.BENCH_TENANT_QUERIES ?? 400);
/** Each change takes milliseconds: enough repetitions that the median is not one scheduler hiccup. */
const MIGRATION_REPS = 30;
/** Every tenant holds the same data: 96 hourly rollups, 10 accounts, 2 × 4 metrics × 10 days. */
const HOURS = 96;
const ACCOUNTS = 10;
const BASE = '2026-11-01T00:00:00Z';

export const TENANT_ROWS = {
  usage: (n: number) => `usage: window query (DAY buckets over 4 days of rollups), ${label(n)}`,
  accounts: (n: number) => `sync: accounts list (10 accounts), ${label(n)}`,
  metrics: (n: number) => `sync: metrics aggregate (10 days, 2 accounts), ${label(n)}`,
  createTable: (n: number) => `migration: create a tenant-scoped table + RLS, ${label(n)}`,
  createTableControlled: (n: number) => controlledRow(TENANT_ROWS.createTable, n),
  addColumn: (n: number) => `migration: add a column to usage_rollup, ${label(n)}`,
  addColumnControlled: (n: number) => controlledRow(TENANT_ROWS.addColumn, n),
  addIndex: (n: number) => `migration: create an index on metric_point, ${label(n)}`,
};

/** Work at `n` tenants ÷ the same in the first count's database, timed in turn with it. */
export function controlledRow(row: (n: number) => string, n: number): string {
  return `${row(n)}, ÷ the same in a ${label(TENANT_COUNTS[0])} database at that moment`;
}

function label(n: number): string {
  return `${n.toLocaleString('en-US')} tenants`;
}

/** Tenant number `g`'s id in SQL: md5-derived, shaped as a version 4 UUID (as ids are checked). */
const TENANT_SQL = `overlay(overlay(md5('t' || g) placing '4' from 13) placing '8' from 17)::uuid`;

/** The same id in JavaScript. */
function tenantId(g: number): string {
  const md5 = createHash('md5').update(`t${g}`).digest('hex');
  const hex = `${md5.slice(0, 12)}4${md5.slice(13, 16)}8${md5.slice(17)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The same per-tenant reads, through the services' own code (the usage query repository, the
 * ORM finds of the accounts and metrics services) in a tenant scope with RLS, as the databases
 * grow from 10 to 10,000 tenants holding the same data each; and the cost of a schema change.
 */
export async function tenantCountBenchmarks(): Promise<Sample[]> {
  const usageDb = await createTestDatabase('tb_bten');
  const syncDb = await createTestDatabase('tb_bten');
  // The same schema and the first count's tenants, never grown: migrations are timed in turn here
  // and in the growing databases, so the machine's moment-to-moment load cancels out.
  const control = {
    usageDb: await createTestDatabase('tb_bten'),
    syncDb: await createTestDatabase('tb_bten'),
  };
  const orms: MikroORM[] = [];
  const samples: Sample[] = [];
  try {
    const rolesOf = (db: TestDatabase) => ({ appRole: db.appRole, systemRole: db.systemRole });
    const quiet = { log: () => undefined };
    for (const db of [usageDb, control.usageDb])
      await migrateDatabase(usageOrmOptions(db.ownerUrl, db.systemRole), rolesOf(db), quiet);
    for (const db of [syncDb, control.syncDb])
      await migrateDatabase(syncOrmOptions(db.ownerUrl, db.systemRole), rolesOf(db), quiet);
    await load(control.usageDb, control.syncDb, 1, TENANT_COUNTS[0]);
    const scoped = async (options: Parameters<typeof MikroORM.init>[0]) => {
      const orm = await MikroORM.init(options);
      orms.push(orm);
      const context = new TenantContext(ClsServiceManager.getClsService());
      context.addScopeHook(new UnitOfWorkScopeHook(orm));
      return { context, em: () => orm.em as EntityManager };
    };
    const grown = {
      usage: await scoped(usageOrmOptions(usageDb.appUrl, usageDb.systemRole)),
      sync: await scoped(syncOrmOptions(syncDb.appUrl, syncDb.systemRole)),
    };
    const steady = {
      usage: await scoped(usageOrmOptions(control.usageDb.appUrl, control.usageDb.systemRole)),
      sync: await scoped(syncOrmOptions(control.syncDb.appUrl, control.syncDb.systemRole)),
    };
    const from = new Date(BASE);
    const to = new Date(from.getTime() + HOURS * 3_600_000);
    type Databases = typeof grown;
    const reads: [(n: number) => string, (dbs: Databases, tenant: string) => Promise<unknown>][] = [
      [
        TENANT_ROWS.usage,
        ({ usage }, tenant) =>
          usage.context.runWithTenant(tenant, () =>
            new UsageQueryRepository(usage.em()).series({
              meter: 'api.requests',
              aggregation: 'SUM',
              from,
              to,
              window: 'DAY',
              tz: 'UTC',
              groupBy: [],
            }),
          ),
      ],
      [
        TENANT_ROWS.accounts,
        ({ sync }, tenant) =>
          sync.context.runWithTenant(tenant, () =>
            sync
              .em()
              .find(
                Account,
                { deletedAt: null },
                { orderBy: { createdAt: 'asc', accountId: 'asc' } },
              ),
          ),
      ],
      [
        TENANT_ROWS.metrics,
        ({ sync }, tenant) =>
          sync.context.runWithTenant(tenant, () =>
            sync
              .em()
              .find(
                CustomerDailyMetrics,
                { day: { $gte: '2026-11-01', $lt: '2026-11-11' } },
                { orderBy: { day: 'desc' } },
              ),
          ),
      ],
    ];

    let loaded = 0;
    for (const count of TENANT_COUNTS) {
      const started = process.hrtime.bigint();
      await load(usageDb, syncDb, loaded + 1, count);
      loaded = count;
      console.log(`tenants: ${label(count)} loaded in ${seconds(started).toFixed(1)} s`);
      const pick = (n: number) => (i: number) => tenantId(1 + ((i * 7_919) % n));
      for (const [row, read] of reads) {
        // In turn with the same read in the control database, so the machine's load cancels out.
        const [measured, controlled] = await measureLatencyInterleaved(
          [
            {
              name: row(count),
              baseline: count === TENANT_COUNTS[0] ? undefined : row(TENANT_COUNTS[0]),
              operation: (i) => read(grown, pick(count)(i)),
            },
            { name: 'control', operation: (i) => read(steady, pick(TENANT_COUNTS[0])(i)) },
          ],
          // A whole repetition's worth of warm-up: with 40 queries, rates still climbed through
          // the first repetitions (the process's JIT, the tenants' first pages read).
          { repetitions: REPS, count: QUERIES, inFlight: 4, warmup: QUERIES },
        );
        samples.push(measured, {
          name: controlledRow(row, count),
          rates: measured.rates.map((rate, rep) => controlled.rates[rep] / rate),
          unit: '×',
        });
      }
      samples.push(...(await migrations({ usageDb, syncDb }, control, count)));
    }
  } finally {
    for (const orm of orms) await orm.close(true);
    for (const db of [usageDb, syncDb, control.usageDb, control.syncDb]) await db.drop();
  }
  return samples;
}

/**
 * Tenants `first`..`last` with the same rows each, written as the owner, then vacuumed, analyzed
 * and checkpointed — so neither autovacuum nor the checkpointer works on the fresh rows in the
 * middle of the measurements.
 */
async function load(usageDb: TestDatabase, syncDb: TestDatabase, first: number, last: number) {
  const range = [first, last];
  await usageDb.query(
    `insert into usage_rollup (tenant_id, meter, window_start, group_key, event_count, value_sum,
       value_max, latest_value, latest_time)
     select ${TENANT_SQL}, 'api.requests', $3::timestamptz + h * interval '1 hour',
       '{"route":"/r' || (h % 3) || '"}', 10, 10, 1, 1, $3::timestamptz + h * interval '1 hour'
     from generate_series($1::int, $2::int) g, generate_series(0, ${HOURS - 1}) h`,
    [...range, BASE],
  );
  await syncDb.query(
    `insert into account (tenant_id, account_id, display_name)
     select ${TENANT_SQL}, 'acct-' || a, 'Account ' || a
     from generate_series($1::int, $2::int) g, generate_series(1, ${ACCOUNTS}) a`,
    range,
  );
  await syncDb.query(
    `insert into metric_point (tenant_id, account_id, metric, time, value)
     select ${TENANT_SQL}, 'acct-' || a, m, $3::timestamptz + d * interval '1 day', d
     from generate_series($1::int, $2::int) g, generate_series(1, 2) a,
       unnest(array['home_page_views', 'contact_host_clicks', 'visitors_views',
         'avg_occupancy_rate']) m, generate_series(0, 9) d`,
    [...range, BASE],
  );
  await usageDb.query('vacuum (analyze)');
  await syncDb.query('vacuum (analyze)');
  // The load's dirty pages written out now, not by the checkpointer in the middle of the reads.
  await usageDb.query('checkpoint');
}

/**
 * Schema changes as a migration runs them (owner, one transaction): a new tenant-scoped table
 * with its policies is independent of the tenant count; an added column is catalogue-only; an
 * index is built over every row (it grows with the data, not with the number of tenants).
 * Timed up to the commit and then rolled back: every repetition starts from the same catalogue
 * (an added-then-dropped column stays behind as a dropped attribute, a dropped table as dead
 * catalogue rows, and both piled up with each count), and the commit's WAL flush — the same few
 * bytes at any count, but at the mercy of the disk while freshly loaded rows are written out —
 * is not what a tenant count can change.
 */
async function migrations(
  dbs: { usageDb: TestDatabase; syncDb: TestDatabase },
  control: { usageDb: TestDatabase; syncDb: TestDatabase },
  count: number,
) {
  /**
   * Times `change` (then rolls it back) in the growing database and in its control, in turn —
   * the order alternating, since whichever runs first in a pair was measured ~1.3× slower.
   */
  const timed = async (database: 'usageDb' | 'syncDb', change: string[]) => {
    const clients = [dbs[database], control[database]].map(
      (db) => new Client({ connectionString: db.ownerUrl }),
    );
    await Promise.all(clients.map((client) => client.connect()));
    const durations: [number[], number[]] = [[], []];
    try {
      for (let rep = 0; rep <= MIGRATION_REPS; rep += 1) {
        const order = rep % 2 === 0 ? [0, 1] : [1, 0];
        for (const index of order) {
          const client = clients[index];
          const started = process.hrtime.bigint();
          await client.query('begin');
          for (const sql of change) await client.query(sql);
          if (rep > 0) durations[index].push(seconds(started) * 1_000); // the first is a warm-up
          await client.query('rollback');
        }
      }
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
    const [measured, controlled] = durations;
    return { measured, relative: measured.map((ms, rep) => ms / controlled[rep]) };
  };
  const roles = { appRole: dbs.usageDb.appRole, systemRole: dbs.usageDb.systemRole };
  const baseline = (row: (n: number) => string) =>
    count === TENANT_COUNTS[0] ? undefined : row(TENANT_COUNTS[0]);
  const table = await timed('usageDb', [
    `create table usage_note (tenant_id uuid not null, id bigint not null, note text not null,
      created_at timestamptz not null default now(), primary key (tenant_id, id))`,
    ...tenantTableSql('usage_note', { roles, indexTenantId: false }),
  ]);
  const column = await timed('usageDb', ['alter table usage_rollup add column note text']);
  const index = await timed('syncDb', [
    'create index metric_point_metric_idx on metric_point (tenant_id, metric)',
  ]);
  const rows: [(n: number) => string, number[], string][] = [
    [TENANT_ROWS.createTable, table.measured, 'ms'],
    [TENANT_ROWS.createTableControlled, table.relative, '×'],
    [TENANT_ROWS.addColumn, column.measured, 'ms'],
    [TENANT_ROWS.addColumnControlled, column.relative, '×'],
    [TENANT_ROWS.addIndex, index.measured, 'ms'],
  ];
  return rows.map(([row, values, unit]): Sample => ({
    name: row(count),
    baseline: baseline(row),
    rates: values,
    unit,
  }));
}
