import { BusNaming, USAGE_STREAM } from '@tenantbus/contracts';
import { readStream, waitFor, type FakeTenant, type StoredMessage } from '@tenantbus/testing';
import {
  createSyncWorld,
  startSyncService,
  type SyncService,
  type SyncWorld,
} from './sync-service.harness';
import { pageRecords, UpstreamStub } from './upstream.stub';

type Body = Record<string, unknown>;
interface AccountRow {
  sync_status: string;
  sync_checkpoint: string | null;
  last_error: string | null;
  consecutive_failures: number;
  next_sync_at: Date;
  last_sync_at: Date | null;
  lease_owner: string | null;
}
let sequence = 0;

describe('sync-service: sync engine and scheduler (real Postgres, NATS, upstream stub)', () => {
  let world: SyncWorld;
  let upstream: UpstreamStub;
  let upstreamUrl: string;
  const running: SyncService[] = [];

  /** An instance with the scheduler on, syncing through the stub. */
  const start = async (env: Record<string, string> = {}) => {
    const svc = await startSyncService(world, {
      SYNC_SCHEDULER_ENABLED: 'true',
      SYNC_HTTP_BASE_URL: upstreamUrl,
      ...env,
    });
    running.push(svc);
    return svc;
  };
  const stopAll = async () => {
    await Promise.all(running.splice(0).map((svc) => svc.close()));
  };
  const createAccount = async (svc: SyncService, tenant: FakeTenant, body: Body = {}) => {
    const accountId = `acct-${(sequence += 1)}-${tenant.entry.slug}`;
    upstream.tenantOf.set(accountId, tenant.entry.id);
    const res = await svc.call<Body>(tenant, 'POST', '/api/v1/accounts', {
      body: {
        account_id: accountId,
        provider: 'http',
        airbnb_cookie: `cookie-${accountId}`,
        ...body,
      },
    });
    expect(res.status).toBe(201);
    return accountId;
  };
  const accountRow = async (tenant: FakeTenant, accountId: string) =>
    (
      await world.db.query<AccountRow>(
        'select * from account where tenant_id = $1 and account_id = $2',
        [tenant.entry.id, accountId],
      )
    )[0];
  const points = (tenant: FakeTenant) => world.rowsOf('metric_point', tenant.entry.id);
  const usageOf = async (tenant: FakeTenant) =>
    (
      await readStream(world.bus.nc, new BusNaming(world.bus.prefix).stream(USAGE_STREAM), 0)
    ).filter((message) => message.headers['x-tenant-id'] === tenant.entry.id);

  beforeAll(async () => {
    world = await createSyncWorld();
    upstream = new UpstreamStub();
    upstreamUrl = await upstream.start();
  });

  afterEach(async () => {
    await stopAll();
    upstream.delayMs = 0;
  });

  afterAll(async () => {
    await stopAll();
    await upstream?.stop();
    await world?.close();
  });

  it('syncs every page with the decrypted credentials, saves the checkpoint, and a re-sync adds no rows', async () => {
    const svc = await start({ SYNC_PLAN_INTERVALS_MS: 'pro:400' });
    const tenant = await world.tenant();
    const accountId = await createAccount(svc, tenant);
    const synced = await waitFor(
      async () => {
        const row = await accountRow(tenant, accountId);
        return row.sync_status === 'succeeded' ? row : undefined;
      },
      { what: 'first sync' },
    );
    expect(synced).toMatchObject({ sync_checkpoint: '3', last_error: null, lease_owner: null });
    expect(await points(tenant)).toBe(12);
    const calls = upstream.calls.filter((call) => call.accountId === accountId);
    expect(calls.slice(0, 3).map((call) => call.cursor)).toEqual([null, '1', '2']);
    expect(calls[0].headers.cookie).toBe(`cookie-${accountId}`);
    const stored = await world.db.query<{ metric: string; value: number }>(
      `select metric, value from metric_point where tenant_id = $1 and time = '2025-01-02T00:00:00Z' order by metric`,
      [tenant.entry.id],
    );
    expect(stored).toEqual(
      pageRecords(accountId, 1)
        .map(({ metric, value }) => ({ metric, value }))
        .sort((a, b) => a.metric.localeCompare(b.metric)),
    );
    // The next scheduled run resumes from the checkpoint and rewrites, never duplicates.
    const before = upstream.calls.length;
    await waitFor(() => upstream.calls.filter((call) => call.accountId === accountId).length > 3, {
      what: 'a second run',
    });
    expect(upstream.calls.slice(before).find((call) => call.accountId === accountId)?.cursor).toBe(
      '3',
    );
    expect(await points(tenant)).toBe(12);
    const metrics = await svc.call<Body[]>(
      tenant,
      'GET',
      `/api/v1/accounts/${accountId}/metrics?start=2025-01-01T00:00:00Z&end=2025-02-01T00:00:00Z`,
    );
    expect(metrics.status).toBe(200);
    expect(metrics.body).toHaveLength(12);
    expect(metrics.body[0]).toMatchObject({ time: '2025-01-03T00:00:00.000Z' });
    const byAdmin = await svc.call<Body[]>(
      'admin',
      'GET',
      `/api/v1/accounts/${accountId}/metrics?customer_id=${tenant.entry.id}&start=2025-01-01T00:00:00Z`,
    );
    expect(byAdmin.body).toEqual(metrics.body);

    // Usage: sync runs and records, and the API requests made above, in the tenant's context.
    const total = (events: StoredMessage[], type: string) =>
      events
        .map((event) => event.data as { type: string; data: { value: number } })
        .filter((event) => event.type === type)
        .reduce((sum, event) => sum + event.data.value, 0);
    const usage = await waitFor(
      async () => {
        const events = await usageOf(tenant);
        return total(events, 'api.requests') >= 2 &&
          total(events, 'sync.runs') >= 1 &&
          total(events, 'sync.records') >= 12
          ? events
          : undefined;
      },
      { what: 'usage events' },
    );
    expect(usage[0].data).toMatchObject({ source: 'sync-service' });
  });

  it('a failed run keeps its checkpoint, backs off, and the next run resumes from it', async () => {
    const svc = await start({ SYNC_PLAN_INTERVALS_MS: 'pro:60000', SYNC_RETRY_BASE_MS: '200' });
    const tenant = await world.tenant();
    const accountId = `acct-fail-${(sequence += 1)}`;
    upstream.failFrom.set(accountId, 1);
    await createAccount(svc, tenant, { account_id: accountId });
    const failed = await waitFor(
      async () => {
        const row = await accountRow(tenant, accountId);
        return row.sync_status === 'failed' ? row : undefined;
      },
      { what: 'a failed run' },
    );
    expect(failed).toMatchObject({
      sync_checkpoint: '1',
      last_error: 'UPSTREAM_HTTP_500: The upstream answered 500',
      consecutive_failures: 1,
      lease_owner: null,
    });
    expect(await points(tenant)).toBe(4);
    const view = await svc.call<Body>(tenant, 'GET', `/api/v1/accounts/${accountId}`);
    expect(view.body).toMatchObject({ sync_status: 'failed', last_error: failed.last_error });
    upstream.failFrom.delete(accountId);
    await waitFor(async () => (await accountRow(tenant, accountId)).sync_status === 'succeeded', {
      what: 'the retry',
    });
    const cursors = upstream.calls
      .filter((call) => call.accountId === accountId)
      .map((c) => c.cursor);
    expect(cursors).toEqual([null, '1', '1', '2']);
    expect(await points(tenant)).toBe(12);
    expect((await accountRow(tenant, accountId)).consecutive_failures).toBe(0);
  });

  it('suspend pauses a tenant (zero upstream calls) while another keeps syncing; activate resumes', async () => {
    const svc = await start({ SYNC_PLAN_INTERVALS_MS: 'pro:150' });
    const [paused, other] = [await world.tenant(), await world.tenant()];
    await createAccount(svc, paused);
    await createAccount(svc, other);
    await waitFor(() => upstream.callsFor(paused.entry.id) >= 3, { what: 'paused tenant syncing' });
    await world.lifecycle(paused, 'tenant.suspended', { status: 'suspended' });
    // A run that was already past its policy check may finish its page; then nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pausedCalls = upstream.callsFor(paused.entry.id);
    const otherCalls = upstream.callsFor(other.entry.id);
    await waitFor(() => upstream.callsFor(other.entry.id) >= otherCalls + 6, {
      what: 'the other tenant syncing on',
    });
    expect(upstream.callsFor(paused.entry.id)).toBe(pausedCalls);
    const refused = await svc.call<Body>(paused, 'GET', '/api/v1/accounts');
    expect([refused.status, refused.body.code]).toEqual([403, 'TENANT_SUSPENDED']);

    await world.lifecycle(paused, 'tenant.activated', { status: 'active' });
    await waitFor(() => upstream.callsFor(paused.entry.id) > pausedCalls, { what: 'resumed' });
  });

  it('deleted stops syncing', async () => {
    const svc = await start({ SYNC_PLAN_INTERVALS_MS: 'pro:150' });
    const tenant = await world.tenant();
    await createAccount(svc, tenant);
    await waitFor(() => upstream.callsFor(tenant.entry.id) >= 3, { what: 'syncing' });
    await world.lifecycle(tenant, 'tenant.deleted', { status: 'deleted' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const calls = upstream.callsFor(tenant.entry.id);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(upstream.callsFor(tenant.entry.id)).toBe(calls);
  });

  it('POST /accounts/:id/sync queues a run now, even long before the next interval', async () => {
    const svc = await start({ SYNC_PLAN_INTERVALS_MS: 'pro:3600000' });
    const tenant = await world.tenant();
    const accountId = await createAccount(svc, tenant);
    await waitFor(async () => (await accountRow(tenant, accountId)).sync_status === 'succeeded', {
      what: 'first sync',
    });
    const calls = upstream.callsFor(tenant.entry.id);
    const queued = await svc.call<Body>(tenant, 'POST', `/api/v1/accounts/${accountId}/sync`);
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ account_id: accountId, sync_status: 'queued' });
    await waitFor(() => upstream.callsFor(tenant.entry.id) > calls, { what: 'the manual run' });
    const other = await world.tenant();
    const foreign = await svc.call<Body>(other, 'POST', `/api/v1/accounts/${accountId}/sync`);
    expect([foreign.status, foreign.body.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
  });

  it('plan_changed to a shorter interval takes effect now, not after the old interval', async () => {
    const svc = await start({ SYNC_PLAN_INTERVALS_MS: 'pro:3600000' });
    const tenant = await world.tenant();
    const accountId = await createAccount(svc, tenant);
    await waitFor(async () => (await accountRow(tenant, accountId)).sync_status === 'succeeded', {
      what: 'first sync',
    });
    const next = (await accountRow(tenant, accountId)).next_sync_at.getTime();
    expect(next - Date.now()).toBeGreaterThan(3_000_000);
    const calls = upstream.callsFor(tenant.entry.id);
    await world.lifecycle(tenant, 'tenant.plan_changed', {
      plan: 'enterprise',
      limits: { sync_accounts: null, sync_interval_seconds: 0.2 },
    });
    expect(await world.rowsOf('sync_policy', tenant.entry.id, 'interval_ms = 200')).toBe(1);
    await waitFor(() => upstream.callsFor(tenant.entry.id) > calls + 3, {
      what: 'runs at the new interval',
    });
  });

  it('two scheduler instances never sync one account twice at once, and cap each tenant', async () => {
    upstream.delayMs = 40;
    const env = {
      SYNC_PLAN_INTERVALS_MS: 'pro:50',
      SYNC_TICK_MS: '20',
      SYNC_TENANT_CONCURRENCY: '2',
    };
    const first = await start(env);
    const second = await start(env);
    const tenants = [await world.tenant(), await world.tenant(), await world.tenant()];
    const accounts: string[] = [];
    for (const tenant of tenants)
      for (let i = 0; i < 5; i += 1) accounts.push(await createAccount(first, tenant));
    upstream.maxInFlightPerAccount = 0;
    for (const tenant of tenants) upstream.maxInFlightPerTenant.delete(tenant.entry.id);
    await waitFor(
      () =>
        accounts.every((id) => upstream.calls.filter((call) => call.accountId === id).length >= 6),
      { timeoutMs: 30_000, what: 'every account synced twice' },
    );
    expect(upstream.maxInFlightPerAccount).toBe(1);
    for (const tenant of tenants)
      expect(upstream.maxInFlightPerTenant.get(tenant.entry.id)).toBeLessThanOrEqual(2);
    // Both instances did part of the work.
    for (const svc of [first, second]) {
      const text = (await svc.call<string>('anonymous', 'GET', '/metrics')).body;
      expect(text).toMatch(/sync_runs_total\{[^}]*outcome="succeeded"[^}]*\} [1-9]/);
    }
  });

  it('takes due accounts round-robin across tenants: a large tenant cannot starve a small one', async () => {
    const idle = await startSyncService(world, { SYNC_HTTP_BASE_URL: upstreamUrl });
    running.push(idle);
    const [large, small] = [await world.tenant(), await world.tenant()];
    const largeAccounts: string[] = [];
    for (let i = 0; i < 8; i += 1) largeAccounts.push(await createAccount(idle, large));
    const smallAccount = await createAccount(idle, small);
    upstream.delayMs = 30;
    const from = upstream.calls.length;
    await start({
      SYNC_BATCH_SIZE: '2',
      SYNC_TENANT_CONCURRENCY: '2',
      SYNC_PLAN_INTERVALS_MS: 'pro:600000',
    });
    await waitFor(() => upstream.callsFor(small.entry.id) > 0, { what: 'the small tenant synced' });
    // The large tenant's accounts were due first, yet the small one is among the first two
    // (other tests' tenants may take slots too: they are not counted).
    const ofTheTwo = upstream.calls
      .slice(from)
      .filter((call) =>
        [large.entry.id, small.entry.id].includes(upstream.tenantOf.get(call.accountId)!),
      );
    const firstTwo = [...new Set(ofTheTwo.map((call) => call.accountId))].slice(0, 2);
    expect(firstTwo).toContain(smallAccount);
    expect(largeAccounts).toContain(firstTwo.find((id) => id !== smallAccount));
  });
});
