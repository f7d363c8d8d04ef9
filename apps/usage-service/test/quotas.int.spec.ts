import {
  QuotaStatusSchema,
  Subjects,
  TENANT_ID_HEADER,
  UsageThresholdEventSchema,
  type UsageThresholdEvent,
} from '@tenantbus/contracts';
import { waitFor } from '@tenantbus/testing';
import { headers as natsHeaders, JSONCodec, type Subscription } from 'nats';
import {
  startUsageService,
  usageEvent,
  type TestTenant,
  type UsageServiceHarness,
} from './usage-service.harness';

const codec = JSONCodec<unknown>();

describe('quotas: status, usage.check, threshold alerts exactly once (real NATS + Postgres)', () => {
  let h: UsageServiceHarness;
  let alerts: UsageThresholdEvent[];
  let subscription: Subscription;

  beforeAll(async () => {
    h = await startUsageService();
    alerts = [];
    subscription = h.bus.nc.subscribe(h.naming.subject(Subjects.usageThreshold.name), {
      callback: (_error, msg) =>
        alerts.push(UsageThresholdEventSchema.parse(codec.decode(msg.data))),
    });
  });

  afterAll(async () => {
    subscription?.unsubscribe();
    await h?.close();
  });

  const used = (tenant: TestTenant, meter: string) =>
    h.count(
      'select coalesce(sum(value_sum), 0)::int as n from usage_period where tenant_id = $1 and meter = $2',
      [tenant.id, meter],
    );
  const ask = async (tenantId: string | null, subject: string, body: unknown) => {
    const headers = natsHeaders();
    if (tenantId) headers.set(TENANT_ID_HEADER, tenantId);
    const reply = await h.bus.nc.request(h.naming.subject(subject), codec.encode(body), {
      headers,
      timeout: 2_000,
    });
    return codec.decode(reply.data) as Record<string, unknown>;
  };
  const check = (tenantId: string | null, meter: string) =>
    ask(tenantId, Subjects.usageCheck.name, { meter });
  const post = (tenant: TestTenant, body: unknown) =>
    h.call<Record<string, unknown>>('POST', '/api/v1/events', { apiKey: tenant.apiKey, body });

  it('alerts at 80% and 100% exactly once per tenant, meter and period under 8 concurrent publishers, two writers and re-sends', async () => {
    // A second instance on the same durable: two writers race for the same tenant's rows.
    const second = await startUsageService({}, h);
    const tenant = await h.tenant({ api_calls: 100 });
    const bystander = await h.tenant({ api_calls: 100 });
    const publisher = async (n: number) => {
      const batches = Array.from({ length: 5 }, (_, b) =>
        Array.from({ length: 4 }, (_, i) =>
          usageEvent({ id: `p${n}-b${b}-e${i}`, data: { value: 1, route: `/p${n}` } }),
        ),
      );
      for (const batch of batches) expect((await post(tenant, batch)).status).toBe(202);
      // A client retry of an already accepted batch: must not count again.
      expect((await post(tenant, batches[0])).status).toBe(202);
    };
    await Promise.all(Array.from({ length: 8 }, (_, n) => publisher(n)));
    await waitFor(async () => ((await used(tenant, 'api.requests')) === 160 ? true : undefined), {
      // Two writers on a loaded machine: allow for a redelivery or two.
      timeoutMs: 30_000,
      what: '160 requests counted',
    });
    const mine = () => alerts.filter((alert) => alert.tenantId === tenant.id);
    await waitFor(() => (mine().length >= 2 ? true : undefined), { what: 'two alerts' });
    // More usage in the same period, and time for any duplicate to show up.
    expect((await post(tenant, [usageEvent({ data: { value: 5 } })])).status).toBe(202);
    await waitFor(async () => ((await used(tenant, 'api.requests')) === 165 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      mine()
        .map((alert) => alert.threshold)
        .sort(),
    ).toEqual([100, 80]);
    const at100 = mine().find((alert) => alert.threshold === 100);
    expect(at100).toMatchObject({ meter: 'api.requests', limit: 100 });
    expect(at100?.used).toBeGreaterThanOrEqual(100);
    expect(
      await h.count(
        'select count(*)::int as n from usage_threshold where tenant_id = $1 and published_at is not null',
        [tenant.id],
      ),
    ).toBe(2);
    expect(alerts.filter((alert) => alert.tenantId === bystander.id)).toEqual([]);
    await second.close();
  });

  it('reports used, limit and remaining for the calendar month over HTTP and usage.check', async () => {
    const tenant = await h.tenant({ api_calls: 1_000, active_users: null });
    expect(
      (
        await post(tenant, [
          usageEvent({ data: { value: 40 } }),
          usageEvent({ data: { value: 2 } }),
        ])
      ).status,
    ).toBe(202);
    await waitFor(async () => ((await used(tenant, 'api.requests')) === 42 ? true : undefined));
    const now = new Date();
    const period = {
      start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    };
    const res = await h.call<Record<string, unknown>[]>('GET', '/api/v1/quotas', {
      apiKey: tenant.apiKey,
    });
    expect(res.status).toBe(200);
    expect(res.body.find((quota) => quota.meter === 'api.requests')).toEqual({
      meter: 'api.requests',
      used: 42,
      limit: 1_000,
      remaining: 958,
      period,
    });
    expect(res.body.find((quota) => quota.meter === 'users.active')).toMatchObject({
      used: 0,
      limit: null,
      remaining: null,
    });
    expect(QuotaStatusSchema.parse(await check(tenant.id, 'api.requests'))).toEqual({
      meter: 'api.requests',
      used: 42,
      limit: 1_000,
      remaining: 958,
      period,
    });
  });

  it('takes new limits from tenant.plan_changed, and tells them on usage.limits', async () => {
    const tenant = await h.tenant({ api_calls: 10 });
    expect((await check(tenant.id, 'api.requests')).limit).toBe(10);
    await tenant.change('tenant.plan_changed', { plan: 'pro', limits: { api_calls: 5_000 } });
    expect((await check(tenant.id, 'api.requests')).limit).toBe(5_000);
    expect(await ask(tenant.id, Subjects.usageLimits.name, {})).toEqual({
      plan: 'pro',
      limits: { api_calls: 5_000 },
    });
  });

  it('answers usage.check only in the caller tenant, with clear errors otherwise', async () => {
    const tenant = await h.tenant({ api_calls: 100 });
    const other = await h.tenant({ api_calls: 100 });
    expect((await post(tenant, [usageEvent({ data: { value: 7 } })])).status).toBe(202);
    await waitFor(async () => ((await used(tenant, 'api.requests')) === 7 ? true : undefined));
    expect((await check(tenant.id, 'api.requests')).used).toBe(7);
    expect((await check(other.id, 'api.requests')).used).toBe(0);
    expect(await check(null, 'api.requests')).toEqual({
      error: { code: 'TENANT_HEADER_MISSING', message: expect.any(String) },
    });
    expect(await check(tenant.id, 'nope')).toEqual({
      error: { code: 'METER_NOT_FOUND', message: expect.any(String) },
    });
    const otherQuotas = await h.call<{ meter: string; used: number }[]>('GET', '/api/v1/quotas', {
      apiKey: other.apiKey,
    });
    expect(otherQuotas.body.find((quota) => quota.meter === 'api.requests')?.used).toBe(0);
  });

  it('HTTP intake refuses a batch with any bad event, changing nothing', async () => {
    const tenant = await h.tenant();
    const good = usageEvent({ data: { value: 3 } });
    const bad = await post(tenant, [good, usageEvent({ type: 'no.such.meter' })]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'USAGE_EVENTS_REJECTED',
      details: { events: [{ index: 1, code: 'METER_UNKNOWN' }] },
    });
    const malformed = await post(tenant, { id: 'x' });
    expect([malformed.status, malformed.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const anonymous = await h.call('POST', '/api/v1/events', { body: good });
    expect(anonymous.status).toBe(401);
    const other = await h.tenant();
    const forged = await h.call<{ code: string }>('POST', '/api/v1/events', {
      apiKey: tenant.apiKey,
      tenantId: other.id,
      body: good,
    });
    expect([forged.status, forged.body.code]).toEqual([403, 'TENANT_HEADER_FORBIDDEN']);
    expect((await post(tenant, good)).status).toBe(202);
    await waitFor(async () => ((await used(tenant, 'api.requests')) === 3 ? true : undefined));
    expect(await used(other, 'api.requests')).toBe(0);
  });
});
