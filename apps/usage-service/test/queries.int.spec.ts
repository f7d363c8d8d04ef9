import { waitFor } from '@tenantbus/testing';
import { Client } from 'pg';
import { AGGREGATIONS } from '../src/meters/meter.entity';
import { seriesStatement } from '../src/usage/usage-query.repository';
import {
  startUsageService,
  usageEvent,
  type TestTenant,
  type UsageServiceHarness,
} from './usage-service.harness';

interface Point {
  windowStart: string;
  windowEnd: string;
  groupBy: Record<string, string | null>;
  value: number;
}

/** Fixed dates in 2026: Berlin leaves summer time on 25 Oct, New York on 1 Nov. */
describe('usage queries: windows in IANA zones, every aggregation, isolation (real NATS + Postgres)', () => {
  let h: UsageServiceHarness;

  beforeAll(async () => {
    // The fixed dates lie in the past; allow them.
    h = await startUsageService({ USAGE_MAX_EVENT_AGE_DAYS: '3650' });
  });

  afterAll(async () => {
    await h?.close();
  });

  /** Publishes `[type, time, data]` events and waits until all are recorded. */
  const record = async (
    tenant: TestTenant,
    events: [string, string, Record<string, unknown>][],
  ) => {
    await h.publish(
      tenant.id,
      events.map(([type, time, data]) => usageEvent({ type, time, data })),
    );
    await waitFor(
      async () =>
        (await h.count('select count(*)::int as n from usage_event where tenant_id = $1', [
          tenant.id,
        ])) >= events.length
          ? true
          : undefined,
      { what: 'events recorded' },
    );
  };

  const query = async (tenant: TestTenant, params: Record<string, string>) => {
    const res = await h.call<{ data: Point[] }>(
      'GET',
      `/api/v1/usage?${new URLSearchParams(params).toString()}`,
      { apiKey: tenant.apiKey },
    );
    expect(res.status).toBe(200);
    return res.body.data;
  };
  const simple = (points: Point[]) =>
    points.map((p) => [p.windowStart, p.windowEnd, p.value] as const);

  it('cuts days on the local calendar across the end of summer time (25-hour day), in two zones', async () => {
    const tenant = await h.tenant();
    await record(tenant, [
      ['api.requests', '2026-10-24T22:30:00Z', { value: 1 }], // 25 Oct 00:30 CEST
      ['api.requests', '2026-10-25T22:30:00Z', { value: 2 }], // 25 Oct 23:30 CET
      ['api.requests', '2026-10-25T23:30:00Z', { value: 4 }], // 26 Oct 00:30 CET
    ]);
    const range = {
      meter: 'api.requests',
      from: '2026-10-24T00:00:00Z',
      to: '2026-10-27T00:00:00Z',
    };
    expect(simple(await query(tenant, { ...range, window: 'DAY', tz: 'Europe/Berlin' }))).toEqual([
      ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 3],
      ['2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z', 4],
    ]);
    expect(simple(await query(tenant, { ...range, window: 'DAY', tz: 'UTC' }))).toEqual([
      ['2026-10-24T00:00:00.000Z', '2026-10-25T00:00:00.000Z', 1],
      ['2026-10-25T00:00:00.000Z', '2026-10-26T00:00:00.000Z', 6],
    ]);
    expect(
      simple(await query(tenant, { ...range, window: 'DAY', tz: 'America/New_York' })),
    ).toEqual([
      ['2026-10-24T04:00:00.000Z', '2026-10-25T04:00:00.000Z', 1],
      ['2026-10-25T04:00:00.000Z', '2026-10-26T04:00:00.000Z', 6],
    ]);
  });

  it('keeps the repeated hour of a fall-back night as two hourly windows', async () => {
    const tenant = await h.tenant();
    await record(tenant, [
      ['api.requests', '2026-11-01T05:30:00Z', { value: 1 }], // 01:30 EDT
      ['api.requests', '2026-11-01T06:30:00Z', { value: 2 }], // 01:30 EST
    ]);
    const params = {
      meter: 'api.requests',
      from: '2026-11-01T04:00:00Z',
      to: '2026-11-01T08:00:00Z',
      window: 'HOUR',
    };
    expect(simple(await query(tenant, { ...params, tz: 'America/New_York' }))).toEqual([
      ['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', 1],
      ['2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z', 2],
    ]);
    // A half-hour zone: hours start at :30 UTC.
    expect(simple(await query(tenant, { ...params, tz: 'Asia/Kolkata' }))).toEqual([
      ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', 1],
      ['2026-11-01T06:30:00.000Z', '2026-11-01T07:30:00.000Z', 2],
    ]);
  });

  it('puts a month end in the month of the zone asked for', async () => {
    const tenant = await h.tenant();
    await record(tenant, [
      ['api.requests', '2026-10-31T23:30:00Z', { value: 1 }],
      ['api.requests', '2026-11-01T00:30:00Z', { value: 2 }],
    ]);
    const range = {
      meter: 'api.requests',
      from: '2026-09-01T00:00:00Z',
      to: '2026-12-15T00:00:00Z',
      window: 'MONTH',
    };
    expect(simple(await query(tenant, { ...range, tz: 'UTC' }))).toEqual([
      ['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', 1],
      ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 2],
    ]);
    expect(simple(await query(tenant, { ...range, tz: 'America/New_York' }))).toEqual([
      ['2026-10-01T04:00:00.000Z', '2026-11-01T04:00:00.000Z', 3],
    ]);
    expect(simple(await query(tenant, { ...range, tz: 'Asia/Tokyo' }))).toEqual([
      ['2026-10-31T15:00:00.000Z', '2026-11-30T15:00:00.000Z', 3],
    ]);
  });

  describe('every aggregation', () => {
    let tenant: TestTenant;
    const range = { from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' };

    beforeAll(async () => {
      tenant = await h.tenant();
      await record(tenant, [
        ['jobs.completed', '2026-11-10T10:01:00Z', { queue: 'a' }],
        ['jobs.completed', '2026-11-10T10:02:00Z', { queue: 'a' }],
        ['jobs.completed', '2026-11-10T11:03:00Z', { queue: 'b' }],
        ['users.seen', '2026-11-10T10:05:00Z', { user: 'u1' }],
        ['users.seen', '2026-11-10T10:05:10Z', { user: 'u2' }],
        ['users.seen', '2026-11-10T10:07:00Z', { user: 'u1' }],
        ['users.seen', '2026-11-10T11:05:00Z', { user: 'u1' }],
        ['users.seen', '2026-11-10T11:06:00Z', { user: 'u3' }],
        ['api.concurrency', '2026-11-10T10:00:00Z', { value: 5 }],
        ['api.concurrency', '2026-11-10T10:30:00Z', { value: 9 }],
        ['api.concurrency', '2026-11-10T11:00:00Z', { value: 7 }],
        // Sent out of order: LATEST goes by event time, not arrival.
        ['storage.snapshot', '2026-11-10T10:00:00Z', { value: 100 }],
        ['storage.snapshot', '2026-11-10T11:30:00Z', { value: 300 }],
        ['storage.snapshot', '2026-11-10T11:00:00Z', { value: 200 }],
        ['api.requests', '2026-11-10T10:00:00Z', { value: 2, route: '/a' }],
        ['api.requests', '2026-11-10T10:10:00Z', { value: 3, route: '/b' }],
        ['api.requests', '2026-11-10T11:10:00Z', { value: 5, route: '/a' }],
      ]);
    });

    const total = async (meter: string) =>
      (await query(tenant, { meter, ...range })).map((p) => p.value);
    const hourly = async (meter: string) =>
      (await query(tenant, { meter, ...range, window: 'HOUR' })).map((p) => p.value);

    it('COUNT', async () => {
      expect(await total('jobs.completed')).toEqual([3]);
      expect(await hourly('jobs.completed')).toEqual([2, 1]);
    });

    it('UNIQUE_COUNT is exact across windows (not a sum of per-window counts)', async () => {
      expect(await total('users.active')).toEqual([3]);
      expect(await hourly('users.active')).toEqual([2, 2]);
    });

    it('MAX', async () => {
      expect(await total('api.concurrency_peak')).toEqual([9]);
      expect(await hourly('api.concurrency_peak')).toEqual([9, 7]);
    });

    it('LATEST by event time', async () => {
      expect(await total('storage.bytes')).toEqual([300]);
      expect(await hourly('storage.bytes')).toEqual([100, 300]);
    });

    it('SUM, grouped by a property', async () => {
      expect(await total('api.requests')).toEqual([10]);
      const grouped = await query(tenant, { meter: 'api.requests', ...range, groupBy: 'route' });
      expect(grouped.map((p) => [p.groupBy.route, p.value])).toEqual([
        ['/a', 7],
        ['/b', 3],
      ]);
      const both = await query(tenant, {
        meter: 'jobs.completed',
        ...range,
        window: 'HOUR',
        groupBy: 'queue',
      });
      expect(both.map((p) => [p.windowStart, p.groupBy.queue, p.value])).toEqual([
        ['2026-11-10T10:00:00.000Z', 'a', 2],
        ['2026-11-10T11:00:00.000Z', 'b', 1],
      ]);
    });

    it('another tenant sees none of it; an admin may look with x-tenant-id; top-N ranks tenants', async () => {
      const other = await h.tenant();
      expect(await query(other, { meter: 'api.requests', ...range })).toEqual([]);
      const asAdmin = await h.call<{ data: Point[] }>(
        'GET',
        `/api/v1/usage?meter=api.requests&from=${range.from}&to=${range.to}`,
        { admin: true, tenantId: tenant.id },
      );
      expect(asAdmin.body.data.map((p) => p.value)).toEqual([10]);
      const forged = await h.call('GET', `/api/v1/usage?meter=api.requests&from=${range.from}`, {
        apiKey: other.apiKey,
        tenantId: tenant.id,
      });
      expect([forged.status, forged.body.code]).toEqual([403, 'TENANT_HEADER_FORBIDDEN']);
      const top = await h.call<{ tenantId: string; value: number; slug: string }[]>(
        'GET',
        `/api/v1/admin/usage/top?meter=api.requests&from=2026-09-01T00:00:00Z&to=2026-12-01T00:00:00Z`,
        { admin: true },
      );
      expect(top.status).toBe(200);
      expect(top.body[0]).toEqual({
        tenantId: tenant.id,
        slug: tenant.entry.slug,
        name: tenant.entry.slug,
        value: 10,
      });
      expect(top.body.map((row) => row.tenantId)).not.toContain(other.id);
      const notAdmin = await h.call(
        'GET',
        '/api/v1/admin/usage/top?meter=api.requests&from=2026-09-01T00:00:00Z',
        {
          apiKey: tenant.apiKey,
        },
      );
      expect(notAdmin.status).toBe(403);
    });
  });

  it('reads a window from the rollup key alone: an index-only scan of the tenant key range', async () => {
    const tenant = await h.tenant();
    await record(tenant, [['api.requests', '2026-10-24T22:30:00Z', { value: 1, route: '/a' }]]);
    // Index-only scans skip the heap for pages the visibility map marks all-visible.
    await h.db.query('vacuum (analyze) usage_rollup');
    const client = new Client({ connectionString: h.db.appUrl });
    await client.connect();
    try {
      await client.query('begin');
      await client.query(`select set_config('app.tenant_id', $1, true)`, [tenant.id]);
      // A few test rows would be read sequentially; what is checked is that the key suffices.
      await client.query('set local enable_seqscan = off');
      await client.query('set local enable_bitmapscan = off');
      for (const aggregation of AGGREGATIONS.filter((a) => a !== 'UNIQUE_COUNT')) {
        const { sql, params } = seriesStatement({
          meter: 'api.requests',
          aggregation,
          from: new Date('2026-10-24T00:00:00Z'),
          to: new Date('2026-10-26T00:00:00Z'),
          window: 'DAY',
          tz: 'Europe/Berlin',
          groupBy: ['route'],
        });
        let n = 0;
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `explain (analyze, format json) ${sql.replace(/\?/g, () => `$${++n}`)}`,
          params,
        );
        const scans = scansOf(rows[0]['QUERY PLAN'][0].Plan);
        expect(scans).toEqual([
          expect.objectContaining({
            'Node Type': 'Index Only Scan',
            'Index Name': 'usage_rollup_pkey',
            'Heap Fetches': 0,
            'Actual Rows': 1,
          }),
        ]);
        // The tenant bound by row-level security is a condition on the key, not a filter.
        expect(scans[0]['Index Cond']).toContain('tenant_id');
      }
    } finally {
      await client.query('rollback');
      await client.end();
    }
  });

  it('answers bad queries with a clear 4xx', async () => {
    const tenant = await h.tenant();
    const ask = (qs: string) =>
      h.call<{ code: string }>('GET', `/api/v1/usage?${qs}`, { apiKey: tenant.apiKey });
    const from = 'from=2026-11-01T00:00:00Z';
    expect((await ask(`meter=nope&${from}`)).body.code).toBe('METER_NOT_FOUND');
    expect((await ask(`meter=api.requests&${from}&tz=Mars/Olympus`)).body.code).toBe(
      'USAGE_QUERY_INVALID',
    );
    expect((await ask(`meter=api.requests&${from}&groupBy=secret`)).body.code).toBe(
      'USAGE_QUERY_INVALID',
    );
    expect((await ask(`meter=api.requests&${from}&window=WEEK`)).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await ask(`meter=api.requests&from=2025-01-01T00:00:00Z&window=MINUTE`)).status).toBe(
      400,
    );
    expect((await h.call('GET', `/api/v1/usage?meter=api.requests&${from}`)).status).toBe(401);
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** The plan's nodes that read a table. */
function scansOf(node: PlanNode): PlanNode[] {
  const own = node['Relation Name'] ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}
