import { TEST_ADMIN_URL, waitFor } from '@tenantbus/testing';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { createSyncWorld, startSyncService } from '../../sync-service/test/sync-service.harness';
import {
  createUsageInfra,
  startUsageService,
  usageEvent,
  type TestTenant,
  type UsageInfra,
  type UsageServiceHarness,
} from './usage-service.harness';

const GRAFANA = join(__dirname, '..', '..', '..', 'deploy', 'grafana');

interface Target {
  refId: string;
  datasource: { uid: string };
  rawSql?: string;
  expr?: string;
}
interface Panel {
  id: number;
  title: string;
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; datasource: { uid: string }; query: string }[] };
}

/** Grafana's Postgres macros, expanded the way Grafana does for a fixed time range. */
function expand(
  sql: string,
  vars: Record<string, string>,
  range: { from: Date; to: Date },
): string {
  const seconds = (interval: string) => {
    const match = /^'?(\d+)([smhd])'?$/.exec(interval.trim());
    if (!match) throw new Error(`unsupported interval ${interval}`);
    return Number(match[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as 's'];
  };
  return sql
    .replace(
      /\$__timeGroupAlias\(([^,]+),([^)]+)\)/g,
      (_m, column: string, interval: string) =>
        `floor(extract(epoch from ${column})/${seconds(interval)})*${seconds(interval)} AS "time"`,
    )
    .replace(
      /\$__timeGroup\(([^,]+),([^)]+)\)/g,
      (_m, column: string, interval: string) =>
        `floor(extract(epoch from ${column})/${seconds(interval)})*${seconds(interval)}`,
    )
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_m, column: string) =>
        `${column} BETWEEN '${range.from.toISOString()}' AND '${range.to.toISOString()}'`,
    )
    .replace(/\$\{?(\w+)\}?/g, (whole, name: string) => vars[name] ?? whole);
}

describe('Grafana as code: provisioning, stable uids, every SQL panel run on a seeded database as the read-only role, every PromQL metric exposed', () => {
  let infra: UsageInfra;
  let h: UsageServiceHarness;
  let reporting: Client;
  let roRole = '';
  let a: TestTenant;
  let b: TestTenant;
  const dashboards = readdirSync(join(GRAFANA, 'dashboards')).map(
    (file) => JSON.parse(readFileSync(join(GRAFANA, 'dashboards', file), 'utf8')) as Dashboard,
  );
  const datasources = (
    parse(
      readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'datasources.yaml'), 'utf8'),
    ) as {
      datasources: { uid: string; type: string; user?: string }[];
    }
  ).datasources;
  const range = { from: new Date(Date.now() - 6 * 3_600_000), to: new Date(Date.now() + 60_000) };

  beforeAll(async () => {
    infra = await createUsageInfra({
      reportingRole: async (db) => {
        roRole = `${db.name}_ro`;
        await db.query(`create role "${roRole}" login`);
        return roRole;
      },
    });
    h = await startUsageService({}, infra);
    a = await infra.tenant({ api_calls: 20 });
    b = await infra.tenant({ api_calls: 20 });
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    await infra.publish(a.id, [
      usageEvent({ time: minuteAgo, data: { value: 2 } }),
      usageEvent({ time: minuteAgo, data: { value: 3 } }),
      usageEvent({ data: { value: 5 } }),
      usageEvent({ type: 'users.seen', data: { user: 'u1' } }),
      usageEvent({ type: 'users.seen', data: { user: 'u2' } }),
      usageEvent({ type: 'users.seen', data: { user: 'u1' } }),
    ]);
    await infra.publish(b.id, [usageEvent({ data: { value: 1 } })]);
    await waitFor(async () =>
      (await infra.count('select count(*)::int as n from usage_event')) === 7 ? true : undefined,
    );
    const url = new URL(infra.db.appUrl);
    url.username = roRole;
    reporting = new Client({ connectionString: url.toString() });
    await reporting.connect();
  });

  afterAll(async () => {
    await reporting?.end();
    await h?.close();
    await infra?.close();
    const admin = new Client({ connectionString: TEST_ADMIN_URL });
    await admin.connect();
    await admin.query(`drop role if exists "${roRole}"`);
    await admin.end();
  });

  const run = async (sql: string, vars: Record<string, string>) =>
    (await reporting.query<Record<string, unknown>>(expand(sql, vars, range))).rows;
  const dashboard = (uid: string) => dashboards.find((d) => d.uid === uid) as Dashboard;
  const panel = (uid: string, id: number) =>
    dashboard(uid).panels.find((p) => p.id === id) as Panel;

  it('provisions both datasources and the two dashboards under stable uids, with known datasources only', () => {
    expect(dashboards.map((d) => [d.uid, d.title]).sort()).toEqual([
      ['tenantbus-platform-health', 'Platform health'],
      ['tenantbus-tenant-usage', 'Tenant usage'],
    ]);
    const uids = new Set(datasources.map((ds) => ds.uid));
    for (const d of dashboards) {
      for (const p of d.panels) {
        expect([d.uid, p.id, uids.has(p.datasource.uid)]).toEqual([d.uid, p.id, true]);
        for (const t of p.targets) expect(t.datasource.uid).toBe(p.datasource.uid);
      }
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    }
    const dashboardsYaml = parse(
      readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'dashboards.yaml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    expect(dashboardsYaml.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    expect(datasources.find((ds) => ds.uid === 'tenantbus-usage-db')?.user).toBe(
      'tenantbus_grafana',
    );
  });

  it('the read-only role reads but cannot write', async () => {
    await expect(reporting.query('delete from usage_event')).rejects.toThrow(/permission denied/);
    await expect(reporting.query(`update tenant_state set name = 'x'`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it('the tenant variable shows names and values ids; the meter variable lists the meters', async () => {
    const [tenantVar, meterVar] = dashboard('tenantbus-tenant-usage').templating.list;
    const tenants = await run(tenantVar.query, {});
    expect(tenants).toEqual(
      expect.arrayContaining([
        { __text: a.entry.slug, __value: a.id },
        { __text: b.entry.slug, __value: b.id },
      ]),
    );
    const meters = (await run(meterVar.query, {})).map((row) => row.__value);
    expect(meters).toEqual(expect.arrayContaining(['api.requests', 'users.active']));
  });

  it("usage over time, by the meter's aggregation, for the selected tenant only", async () => {
    const sql = panel('tenantbus-tenant-usage', 1).targets[0].rawSql as string;
    const sumOf = (rows: Record<string, unknown>[]) =>
      rows.reduce((total, row) => total + Number(row.value), 0);
    const requests = await run(sql, { tenant: a.id, meter: 'api.requests' });
    expect(requests.every((row) => Number(row.time) % 3_600 === 0)).toBe(true);
    expect(sumOf(requests)).toBe(10);
    expect(sumOf(await run(sql, { tenant: b.id, meter: 'api.requests' }))).toBe(1);
    expect(sumOf(await run(sql, { tenant: a.id, meter: 'users.active' }))).toBe(2);
    const perMeter = await run(panel('tenantbus-tenant-usage', 2).targets[0].rawSql as string, {
      tenant: a.id,
    });
    const events = (metric: string) =>
      perMeter.filter((row) => row.metric === metric).reduce((n, row) => n + Number(row.events), 0);
    expect([events('api.requests'), events('users.active')]).toEqual([3, 3]);
  });

  it('quota utilisation and top tenants', async () => {
    const quota = await run(panel('tenantbus-tenant-usage', 3).targets[0].rawSql as string, {
      tenant: a.id,
    });
    expect(quota.find((row) => row.meter === 'api.requests')).toEqual({
      meter: 'api.requests',
      used: 10,
      limit: 20,
      utilisation_pct: '50.0',
    });
    const top = await run(panel('tenantbus-tenant-usage', 4).targets[0].rawSql as string, {
      meter: 'api.requests',
    });
    expect(top.map((row) => [row.tenant, Number(row.value)])).toEqual([
      [a.entry.slug, 10],
      [b.entry.slug, 1],
    ]);
  });

  it('every PromQL metric exists on the /metrics of the usage-service or the sync-service', async () => {
    const world = await createSyncWorld();
    const sync = await startSyncService(world);
    const expositions = [
      (await h.call<string>('GET', '/metrics')).body,
      (await sync.call<string>('anonymous', 'GET', '/metrics')).body,
    ];
    await sync.close();
    await world.close();
    const typed = new Set(
      expositions.flatMap((exposition) =>
        [...exposition.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((match) => match[1]),
      ),
    );
    const names = dashboards
      .flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.expr ?? '')))
      // Metric names of our services: prefixes of the lib (http_*, process_*, nodejs_*) and ours.
      .flatMap((expr) =>
        [...expr.matchAll(/\b((?:tenantbus|sync|http|process|nodejs)_[a-z0-9_]+)\b/g)].map(
          (m) => m[1],
        ),
      );
    expect(new Set(names).size).toBe(11);
    const missing = names
      .map((name) =>
        name.replace(/_(bucket|sum|count)$/, (suffix) => (typed.has(name) ? suffix : '')),
      )
      .filter((name) => !typed.has(name));
    expect(missing).toEqual([]);
  });
});
