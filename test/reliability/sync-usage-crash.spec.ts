import { waitFor } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Stack } from '../support/stack';
import { consumersCaughtUp, crashStack, drainedOutbox, endOf } from './outbox.checks';

const TENANTS = 4;
const ACCOUNTS_PER_TENANT = 2;
const HISTORY_DAYS = 700;
/** The simulated provider backfills every day from `HISTORY_DAYS` ago to today, 4 metrics each. */
const POINTS_PER_ACCOUNT = (HISTORY_DAYS + 1) * 4;
const ALL_POINTS = TENANTS * ACCOUNTS_PER_TENANT * POINTS_PER_ACCOUNT;

type Totals = Record<string, { runs: number; records: number }>;

const count = async (stack: Stack, sql: string) =>
  (await stack.databases['sync-service'].query<{ n: number }>(sql))[0].n;

/** What the sync database committed: usage rows of its outbox, and the metric points themselves. */
async function committed(stack: Stack): Promise<{ usage: Totals; points: Record<string, number> }> {
  const db = stack.databases['sync-service'];
  const usage: Totals = {};
  for (const row of await db.query<{ tenant_id: string; type: string; total: number }>(
    `select tenant_id, payload->>'type' as type, sum((payload->'data'->>'value')::int)::int as total
       from outbox where payload->>'type' in ('sync.runs', 'sync.records') group by 1, 2`,
  )) {
    usage[row.tenant_id] ??= { runs: 0, records: 0 };
    usage[row.tenant_id][row.type === 'sync.runs' ? 'runs' : 'records'] = row.total;
  }
  const points: Record<string, number> = {};
  for (const row of await db.query<{ tenant_id: string; n: number }>(
    'select tenant_id, count(*)::int as n from metric_point group by 1',
  ))
    points[row.tenant_id] = row.n;
  return { usage, points };
}

/** What the usage-service counted, per tenant, in its period totals. */
async function counted(stack: Stack): Promise<Totals> {
  const totals: Totals = {};
  for (const row of await stack.databases['usage-service'].query<{
    tenant_id: string;
    meter: string;
    total: number;
  }>(
    `select tenant_id, meter, sum(value_sum)::int as total from usage_period
      where meter in ('sync.runs', 'sync.records') group by 1, 2`,
  )) {
    totals[row.tenant_id] ??= { runs: 0, records: 0 };
    totals[row.tenant_id][row.meter === 'sync.runs' ? 'runs' : 'records'] = row.total;
  }
  return totals;
}

describe('sync-service killed with SIGKILL mid-sync, then restarted', () => {
  it("usage-service's sync.runs / sync.records totals equal what the sync database committed", async () => {
    const stack = await crashStack({
      'sync-service': {
        SYNC_TICK_MS: '100',
        SYNC_JITTER_RATIO: '0',
        // Runs of 10 batches (a week each), so several runs per account; the dead worker's
        // leases expire soon after the restart.
        SYNC_MAX_BATCHES_PER_RUN: '10',
        SYNC_LEASE_MS: '1500',
        SYNC_SIMULATED_HISTORY_DAYS: String(HISTORY_DAYS),
      },
    });
    try {
      for (let t = 0; t < TENANTS; t += 1) {
        const res = await stack.call('tenant-service', 'POST', '/api/v1/tenants', {
          body: { slug: `sync-crash-${randomUUID().slice(0, 8)}`, name: 'Sync crash', plan: 'pro' },
        });
        expect(res.status).toBe(201);
      }
      const tenants = [...(await consumersCaughtUp(stack)).keys()];
      expect(tenants).toHaveLength(TENANTS);
      for (const tenantId of tenants) {
        for (let a = 0; a < ACCOUNTS_PER_TENANT; a += 1) {
          const res = await stack.call('sync-service', 'POST', '/api/v1/accounts', {
            body: { account_id: `acct-${a}`, customer_id: tenantId },
          });
          expect(res.status).toBe(201);
        }
      }
      // Syncs run for every tenant; kill once a part of the backfill has committed.
      await waitFor(
        async () =>
          (await count(stack, 'select count(*)::int as n from metric_point')) >= ALL_POINTS / 4,
        { timeoutMs: 60_000, intervalMs: 20, what: 'a quarter of the backfill' },
      );
      const sync = stack.services['sync-service'];
      sync.child.kill('SIGKILL');
      expect(await endOf(sync)).toBe('SIGKILL');
      const atKill = await count(stack, 'select count(*)::int as n from metric_point');
      const unpublished = await count(
        stack,
        'select count(*)::int as n from outbox where published_at is null',
      );
      expect(atKill).toBeLessThan(ALL_POINTS);

      await stack.restart('sync-service');
      await waitFor(
        async () =>
          (await count(stack, 'select count(*)::int as n from metric_point')) === ALL_POINTS &&
          (await count(
            stack,
            `select count(*)::int as n from account where lease_owner is not null or sync_status <> 'succeeded'`,
          )) === 0,
        { timeoutMs: 120_000, intervalMs: 200, what: 'every account backfilled' },
      );
      await drainedOutbox(stack, 'sync-service');
      const truth = await committed(stack);
      // The records counted are exactly the points written: no batch counted twice or lost.
      for (const tenantId of tenants)
        expect(truth.usage[tenantId].records).toBe(truth.points[tenantId]);
      await waitFor(async () => isDeepStrictEqual(await counted(stack), truth.usage), {
        timeoutMs: 60_000,
        what: 'usage totals equal the committed sync work',
      });
      expect(await counted(stack)).toEqual(truth.usage);
      const runs = Object.values(truth.usage).reduce((sum, t) => sum + t.runs, 0);
      console.log(
        `sync kill: ${atKill}/${ALL_POINTS} points and ${unpublished} unpublished outbox rows at the kill; ` +
          `after restart ${runs} runs and ${ALL_POINTS} records counted exactly over ${TENANTS} tenants`,
      );
    } finally {
      await stack.stop();
    }
  }, 240_000);
});
