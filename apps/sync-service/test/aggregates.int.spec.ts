import { waitFor, type FakeTenant } from '@tenantbus/testing';
import {
  createSyncWorld,
  startSyncService,
  type SyncService,
  type SyncWorld,
} from './sync-service.harness';

type Body = Record<string, unknown>;

/**
 * The seed's tables as views over the general (metric, value) shape, so the seed's own SQL runs
 * unchanged. Its `account_id` is globally unique (a primary key), ours is unique per tenant: the
 * views qualify it with the tenant, which is what the seed's join assumes.
 */
const SEED_VIEWS = [
  'create schema airbnb',
  `create view airbnb.accounts as
     select tenant_id || ':' || account_id as account_id, tenant_id as customer_id, is_active, deleted_at
       from public.account`,
  `create view airbnb.chart_query as
     select tenant_id || ':' || account_id as account_id, time,
            max(value) filter (where metric = 'home_page_views') as home_page_views,
            max(value) filter (where metric = 'contact_host_clicks') as contact_host_clicks,
            max(value) filter (where metric = 'visitors_views') as visitors_views
       from public.metric_point
      where metric in ('home_page_views', 'contact_host_clicks', 'visitors_views')
      group by tenant_id, account_id, time`,
  `create view airbnb.list_of_metrics as
     select tenant_id || ':' || account_id as account_id, time, value as avg_occupancy_rate
       from public.metric_point where metric = 'avg_occupancy_rate'`,
];

/** Verbatim from seed 000, the customer and dates as parameters. */
const SEED_DAILY_SQL = `SELECT
    DATE(time) as date,
    SUM(home_page_views) as total_views,
    SUM(contact_host_clicks) as total_contact_clicks,
    SUM(visitors_views) as total_visitors
FROM airbnb.chart_query cq
INNER JOIN airbnb.accounts a ON cq.account_id = a.account_id
WHERE a.customer_id = $1
  AND cq.time >= $2
  AND cq.time < $3
GROUP BY DATE(time)
ORDER BY date DESC`;

const SEED_OCCUPANCY_SQL = `SELECT
    AVG(avg_occupancy_rate) as avg_occupancy_rate,
    MIN(avg_occupancy_rate) as min_occupancy_rate,
    MAX(avg_occupancy_rate) as max_occupancy_rate
FROM airbnb.list_of_metrics lm
INNER JOIN airbnb.accounts a ON lm.account_id = a.account_id
WHERE a.customer_id = $1
  AND lm.time >= $2
  AND lm.time < $3`;

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('sync-service: simulated provider and customer aggregates (real Postgres + NATS)', () => {
  let world: SyncWorld;
  let svc: SyncService;
  let a: FakeTenant;
  let b: FakeTenant;

  beforeAll(async () => {
    world = await createSyncWorld();
    for (const sql of SEED_VIEWS) await world.db.query(sql);
    svc = await startSyncService(world, {
      SYNC_SCHEDULER_ENABLED: 'true',
      SYNC_PLAN_INTERVALS_MS: 'pro:3600000',
      SYNC_SIMULATED_HISTORY_DAYS: '30',
    });
    [a, b] = [await world.tenant(), await world.tenant()];
    const created: [FakeTenant, string][] = [
      [a, 'shared-id'],
      [a, 'a-2'],
      [a, 'a-3'],
      [b, 'shared-id'],
      [b, 'b-2'],
    ];
    for (const [tenant, accountId] of created) {
      const res = await svc.call(tenant, 'POST', '/api/v1/accounts', {
        body: { account_id: accountId },
      });
      expect(res.status).toBe(201);
    }
    await waitFor(
      async () =>
        (await world.count(
          `select count(*)::int as n from account where sync_status = 'succeeded' and sync_checkpoint = $1`,
          [day(0)],
        )) === created.length,
      { timeoutMs: 20_000, what: 'every account backfilled' },
    );
  });

  afterAll(async () => {
    await svc?.close();
    await world?.close();
  });

  it('is deterministic per account: the same account id shows the same numbers anywhere', async () => {
    const series = (tenant: FakeTenant) =>
      world.db.query<{ metric: string; time: Date; value: number }>(
        `select metric, time, value from metric_point
          where tenant_id = $1 and account_id = 'shared-id' order by time, metric`,
        [tenant.entry.id],
      );
    const [ofA, ofB] = [await series(a), await series(b)];
    expect(ofA).toHaveLength(31 * 4);
    expect(ofB).toEqual(ofA);
    const views = ofA.filter((point) => point.metric === 'home_page_views').map((p) => p.value);
    expect(new Set(views).size).toBeGreaterThan(10);
  });

  it("equals the seed's SQL, run independently, per customer", async () => {
    const [start, end] = [day(-20), day(-5)];
    for (const tenant of [a, b]) {
      const res = await svc.call<Body>(
        tenant,
        'GET',
        `/api/v1/customers/${tenant.entry.id}/metrics/aggregate?start_date=${start}&end_date=${end}`,
      );
      expect(res.status).toBe(200);
      const daily = await world.db.query<Body>(
        `select to_char(date, 'YYYY-MM-DD') as date, total_views, total_contact_clicks, total_visitors
           from (${SEED_DAILY_SQL}) seed`,
        [tenant.entry.id, start, end],
      );
      expect(daily).toHaveLength(15);
      expect(res.body.daily).toEqual(daily);
      const [occupancy] = await world.db.query<Record<string, number>>(SEED_OCCUPANCY_SQL, [
        tenant.entry.id,
        start,
        end,
      ]);
      const served = res.body.occupancy as Record<string, number>;
      expect(served.avg_occupancy_rate).toBeCloseTo(occupancy.avg_occupancy_rate, 10);
      expect(served.min_occupancy_rate).toBe(occupancy.min_occupancy_rate);
      expect(served.max_occupancy_rate).toBe(occupancy.max_occupancy_rate);
    }
  });

  it("another tenant cannot read a customer's aggregate; an admin can", async () => {
    const path = `/api/v1/customers/${a.entry.id}/metrics/aggregate?start_date=${day(-3)}&end_date=${day(0)}`;
    const foreign = await svc.call<Body>(b, 'GET', path);
    expect([foreign.status, foreign.body.code]).toEqual([403, 'CUSTOMER_MISMATCH']);
    const admin = await svc.call<Body>('admin', 'GET', path);
    expect(admin.status).toBe(200);
    expect(admin.body.daily).toHaveLength(3);
    const own = await svc.call<Body>(a, 'GET', path);
    expect(own.body).toEqual(admin.body);
  });

  it('400 for a missing, malformed or empty date range', async () => {
    const base = `/api/v1/customers/${a.entry.id}/metrics/aggregate`;
    const missing = await svc.call<Body>(a, 'GET', base);
    expect([missing.status, missing.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const malformed = await svc.call<Body>(
      a,
      'GET',
      `${base}?start_date=01/01/2025&end_date=2025-02-01`,
    );
    expect([malformed.status, malformed.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const empty = await svc.call<Body>(
      a,
      'GET',
      `${base}?start_date=2025-02-01&end_date=2025-01-01`,
    );
    expect([empty.status, empty.body.code]).toEqual([400, 'DATE_RANGE_INVALID']);
  });
});
