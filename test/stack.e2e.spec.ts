import {
  BusNaming,
  QuotaStatusSchema,
  Subjects,
  TENANT_ID_HEADER,
  type UsageThresholdEvent,
} from '@tenantbus/contracts';
import { headers as natsHeaders, JSONCodec } from 'nats';
import { waitFor } from '@tenantbus/testing';
import { UpstreamStub } from '../apps/sync-service/test/upstream.stub';
import { startStack, type ServiceName, type Stack } from './support/stack';

interface Tenant {
  readonly id: string;
  readonly slug: string;
  key: string;
}

const codec = JSONCodec<unknown>();
const CONSUMERS: ServiceName[] = ['sync-service', 'usage-service'];
/** A plan with short sync intervals and small limits, so the run shows every effect quickly. */
const E2E_PLAN = {
  name: 'End to end',
  limits: {
    sync_accounts: 5,
    sync_interval_seconds: 1,
    sync_runs: 10,
    api_calls: 1_000,
    requests_per_second: 100,
  },
};

/**
 * The three services as separate processes, driven only through their public APIs: the tenant
 * travels from the admin API through the outbox and JetStream into both consumers, and every
 * service keeps the tenants apart.
 */
describe('tenantbus end to end (three processes, real Postgres and NATS)', () => {
  let stack: Stack;
  const upstream = new UpstreamStub();
  const a: Tenant = { id: '', slug: '', key: '' };
  const b: Tenant = { id: '', slug: '', key: '' };
  const accounts = { a: ['a-listing-1', 'a-listing-2'], b: ['b-listing-1'] };
  const thresholds: UsageThresholdEvent[] = [];

  const createTenant = async (into: Tenant, slug: string) => {
    const created = await stack.call<{ id: string; slug: string }>(
      'tenant-service',
      'POST',
      '/api/v1/tenants',
      {
        body: { slug, name: slug, plan: 'e2e' },
      },
    );
    expect(created.status).toBe(201);
    Object.assign(into, created.body);
  };
  const stateIn = async (service: ServiceName, tenantId: string) => {
    const res = await stack.call<{ status: string; version: number; purgedAt: string | null }>(
      service,
      'GET',
      `/api/v1/admin/tenants/${tenantId}/state`,
    );
    return res.status === 200 ? res.body : undefined;
  };
  const rowsOf = async (service: ServiceName, tenantId: string) => {
    const db = stack.databases[service];
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.columns
        where column_name = 'tenant_id' and table_schema = 'public' and table_name <> 'tenant_state'`,
    );
    let total = 0;
    for (const { table_name } of tables) {
      const [{ n }] = await db.query<{ n: number }>(
        `select count(*)::int as n from "${table_name}" where tenant_id = $1`,
        [tenantId],
      );
      total += n;
    }
    return total;
  };

  beforeAll(async () => {
    const upstreamUrl = await upstream.start();
    stack = await startStack({
      'tenant-service': { OUTBOX_POLL_MS: '50' },
      'sync-service': {
        CREDENTIALS_KEYS: `e2e:${Buffer.alloc(32, 7).toString('base64')}`,
        SYNC_HTTP_BASE_URL: upstreamUrl,
        SYNC_TICK_MS: '200',
        SYNC_RETRY_BASE_MS: '200',
        SYNC_JITTER_RATIO: '0',
        USAGE_FLUSH_MS: '200',
      },
      // "Zero rows after purge" includes the invoiced monthly totals a deployment may keep.
      'usage-service': { USAGE_PURGE_KEEP_BILLING_TOTALS: 'false' },
    });
    expect(
      (await stack.call('tenant-service', 'PUT', '/api/v1/plans/e2e', { body: E2E_PLAN })).status,
    ).toBe(200);
    // Every threshold alert as published (core subscribers see each publish; the stream dedupes).
    stack.bus.nc.subscribe(new BusNaming(stack.bus.prefix).subject(Subjects.usageThreshold.name), {
      callback: (_error, msg) => thresholds.push(codec.decode(msg.data) as UsageThresholdEvent),
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream.stop();
  });

  it('1. provisions two new tenants in both consumer services', async () => {
    await createTenant(a, `acme-${Date.now()}`);
    await createTenant(b, `globex-${Date.now()}`);
    for (const service of CONSUMERS) {
      for (const tenant of [a, b]) {
        const state = await waitFor(() => stateIn(service, tenant.id), {
          timeoutMs: 15_000,
          what: `${tenant.slug} in ${service}`,
        });
        expect(state).toMatchObject({ status: 'active' });
      }
    }
  });

  it("2. tenant A's key creates accounts that sync, with metrics", async () => {
    for (const tenant of [a, b]) {
      const key = await stack.call<{ key: string }>(
        'tenant-service',
        'POST',
        `/api/v1/tenants/${tenant.id}/api-keys`,
        {
          body: { name: 'e2e' },
        },
      );
      tenant.key = key.body.key;
    }
    for (const [tenant, ids] of [
      [a, accounts.a],
      [b, accounts.b],
    ] as const) {
      for (const accountId of ids) {
        upstream.tenantOf.set(accountId, tenant.id);
        const created = await stack.call('sync-service', 'POST', '/api/v1/accounts', {
          key: tenant.key,
          body: {
            account_id: accountId,
            provider: 'http',
            credentials: { token: `secret-${accountId}` },
          },
        });
        expect(created.status).toBe(201);
      }
    }
    const metrics = await waitFor(
      async () => {
        const res = await stack.call<{ time: string; metric: string; value: number }[]>(
          'sync-service',
          'GET',
          `/api/v1/accounts/${accounts.a[0]}/metrics?start=2025-01-01&end=2025-02-01`,
          { key: a.key },
        );
        return res.status === 200 && res.body.length >= 12 ? res.body : undefined;
      },
      { timeoutMs: 20_000, what: "A's synced metrics" },
    );
    expect(new Set(metrics.map((point) => point.metric))).toEqual(
      new Set(['home_page_views', 'contact_host_clicks', 'visitors_views', 'avg_occupancy_rate']),
    );
  });

  it("3. tenant B's key sees none of A's data", async () => {
    const listed = await stack.call<{ account_id: string }[]>(
      'sync-service',
      'GET',
      '/api/v1/accounts',
      {
        key: b.key,
      },
    );
    expect(listed.body.map((account) => account.account_id)).toEqual(accounts.b);
    for (const path of [
      `/api/v1/accounts/${accounts.a[0]}`,
      `/api/v1/accounts/${accounts.a[0]}/metrics`,
    ]) {
      expect((await stack.call('sync-service', 'GET', path, { key: b.key })).status).toBe(404);
    }
    const foreign = await stack.call('sync-service', 'GET', `/api/v1/customers/${a.id}/accounts`, {
      key: b.key,
    });
    expect(foreign.status).toBe(403);
    const asA = await stack.call('sync-service', 'GET', '/api/v1/accounts', {
      key: b.key,
      headers: { 'x-tenant-id': a.id },
    });
    expect(asA.status).toBe(403);
    const quotasAsA = await stack.call('usage-service', 'GET', '/api/v1/quotas', {
      key: b.key,
      headers: { 'x-tenant-id': a.id },
    });
    expect(quotasAsA.status).toBe(403);
    const me = await stack.call<{ id: string }>('tenant-service', 'GET', '/api/v1/me', {
      key: b.key,
    });
    expect(me.body.id).toBe(b.id);
  });

  it("4. A's sync runs cross its quota: one alert at 80% and one at 100%, usage.check agrees, the guarded route answers 429", async () => {
    const alertsOfA = () => thresholds.filter((alert) => alert.tenantId === a.id);
    await waitFor(() => alertsOfA().some((alert) => alert.threshold === 100), {
      timeoutMs: 30_000,
      what: "A's 100% alert",
    });
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, a.id);
    const reply = await stack.bus.nc.request(
      new BusNaming(stack.bus.prefix).subject(Subjects.usageCheck.name),
      codec.encode({ meter: 'sync.runs' }),
      { headers, timeout: 5_000 },
    );
    const status = QuotaStatusSchema.parse(codec.decode(reply.data));
    expect(status).toMatchObject({ meter: 'sync.runs', limit: 10, remaining: 0 });
    expect(status.used).toBeGreaterThanOrEqual(10);

    const refused = await waitFor(
      async () => {
        const res = await stack.call<{ code: string }>(
          'sync-service',
          'POST',
          `/api/v1/accounts/${accounts.a[0]}/sync`,
          {
            key: a.key,
          },
        );
        return res.status === 429 ? res : undefined;
      },
      { what: 'the guarded route refusing A' },
    );
    expect(refused.body.code).toBe('QUOTA_EXCEEDED');
    // Still exactly one alert per threshold, however many runs came after.
    expect(
      alertsOfA()
        .map((alert) => alert.threshold)
        .sort(),
    ).toEqual([100, 80]);
    expect(new Set(alertsOfA().map((alert) => alert.meter))).toEqual(new Set(['sync.runs']));
  });

  it('5. suspending A stops its syncs and its key everywhere; activating resumes', async () => {
    const suspended = await stack.call(
      'tenant-service',
      'POST',
      `/api/v1/tenants/${a.id}/suspend`,
      {
        body: { reason: 'e2e' },
      },
    );
    expect(suspended.status).toBe(200);
    await waitFor(async () => (await stateIn('sync-service', a.id))?.status === 'suspended', {
      what: 'suspension in sync-service',
    });
    await waitFor(
      async () =>
        (await stack.call('sync-service', 'GET', '/api/v1/accounts', { key: a.key })).status ===
        403,
      { what: "A's key refused" },
    );
    // Let a run that was already past its policy check finish, then count.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const callsA = upstream.callsFor(a.id);
    const callsB = upstream.callsFor(b.id);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(upstream.callsFor(a.id)).toBe(callsA);
    expect(upstream.callsFor(b.id)).toBeGreaterThan(callsB);
    const paths = {
      'tenant-service': '/api/v1/me',
      'sync-service': '/api/v1/accounts',
      'usage-service': '/api/v1/quotas',
    } as const;
    for (const [service, path] of Object.entries(paths) as [ServiceName, string][]) {
      const res = await stack.call<{ code: string }>(service, 'GET', path, { key: a.key });
      expect([service, res.status, res.body.code]).toEqual([service, 403, 'TENANT_SUSPENDED']);
    }

    await stack.call('tenant-service', 'POST', `/api/v1/tenants/${a.id}/activate`);
    await waitFor(() => upstream.callsFor(a.id) > callsA, {
      timeoutMs: 15_000,
      what: 'A syncing again',
    });
  });

  it('6. deleting and purging A leaves zero rows of A in every service; B is untouched', async () => {
    const bRowsBefore = await rowsOf('sync-service', b.id);
    expect(bRowsBefore).toBeGreaterThan(0);
    expect((await stack.call('tenant-service', 'DELETE', `/api/v1/tenants/${a.id}`)).status).toBe(
      200,
    );
    expect(
      (await stack.call('tenant-service', 'POST', `/api/v1/tenants/${a.id}/purge`)).status,
    ).toBe(200);
    for (const service of CONSUMERS) {
      await waitFor(async () => Boolean((await stateIn(service, a.id))?.purgedAt), {
        timeoutMs: 15_000,
        what: `purge in ${service}`,
      });
    }
    for (const service of ['tenant-service', ...CONSUMERS] as const) {
      if (service === 'tenant-service') continue; // registry rows of a purged tenant: see its tests
      expect([service, await rowsOf(service, a.id)]).toEqual([service, 0]);
    }
    expect(await rowsOf('sync-service', b.id)).toBeGreaterThanOrEqual(bRowsBefore);
  });

  it("7. one trace links the admin call to both consumers' handlers and queries", async () => {
    let tenantOfTrace = '';
    const spans = await waitFor(
      () => {
        const all = stack.collector.spans();
        const create = all.find(
          (span) =>
            span.service === 'tenant-service' &&
            span.kind === 2 &&
            /POST/.test(span.name) &&
            span.attributes['http.route'] === '/api/v1/tenants',
        );
        if (!create) return undefined;
        const trace = all.filter((span) => span.traceId === create.traceId);
        tenantOfTrace = String(
          trace.find((span) => span.attributes['tenant.id'])?.attributes['tenant.id'],
        );
        const services = new Set(trace.map((span) => span.service));
        return CONSUMERS.every((service) => services.has(service)) ? trace : undefined;
      },
      { timeoutMs: 20_000, what: 'the cross-service trace' },
    );
    for (const service of CONSUMERS) {
      const mine = spans.filter((span) => span.service === service);
      const handler = mine.filter((span) => span.kind === 5 /* CONSUMER */);
      const queries = mine.filter((span) => span.name.startsWith('pg.query'));
      expect([service, handler.length > 0, queries.length > 0]).toEqual([service, true, true]);
      // System work about one tenant (its lifecycle event) is findable by that tenant.
      expect([service, [...new Set(mine.map((span) => span.attributes['tenant.id']))]]).toEqual([
        service,
        [tenantOfTrace],
      ]);
    }
  });
});
