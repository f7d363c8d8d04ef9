import {
  httpRequest,
  startServiceProcess,
  waitFor,
  type FakeTenant,
  type ServiceProcess,
} from '@tenantbus/testing';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, createSyncWorld, worldEnv, type SyncWorld } from './sync-service.harness';
import { UpstreamStub } from './upstream.stub';

/**
 * The built service as its own process, logging everything (`trace`), so every line it prints can
 * be searched. Needs `npm run build` first (`npm test` does it).
 */
describe('sync-service: credentials never appear in a response or a log line', () => {
  let world: SyncWorld;
  let upstream: UpstreamStub;
  let service: ServiceProcess;
  const secret = (label: string) => `SECRET-${label}-${randomBytes(6).toString('hex')}`;
  const secrets = {
    cookie: secret('cookie'),
    trace: secret('trace'),
    agent: secret('agent'),
    token: secret('token'),
    rotated: secret('rotated'),
    invalid: secret('invalid'),
  };
  const responses: string[] = [];

  const call = async (as: FakeTenant | 'admin', method: string, path: string, body?: unknown) => {
    const res = await httpRequest<Record<string, unknown>>(service.port, path, {
      method,
      body,
      headers: { authorization: `Bearer ${as === 'admin' ? ADMIN_TOKEN : as.apiKey}` },
    });
    responses.push(JSON.stringify({ status: res.status, headers: res.headers, body: res.body }));
    return res;
  };

  beforeAll(async () => {
    world = await createSyncWorld();
    upstream = new UpstreamStub();
    const upstreamUrl = await upstream.start();
    service = await startServiceProcess('sync-service', {
      ...worldEnv(world),
      LOG_LEVEL: 'trace',
      SYNC_TICK_MS: '50',
      SYNC_PLAN_INTERVALS_MS: 'pro:200',
      SYNC_RETRY_BASE_MS: '100',
      SYNC_HTTP_BASE_URL: upstreamUrl,
      USAGE_FLUSH_MS: '100',
    });
  });

  afterAll(async () => {
    await service?.stop();
    await upstream?.stop();
    await world?.close();
  });

  it('through create, sync (also failing), update, reassign and bad requests', async () => {
    const [a, b] = [await world.tenant(), await world.tenant()];
    for (const [id, tenant] of [
      ['ok-1', a],
      ['fails-1', a],
    ] as const)
      upstream.tenantOf.set(id, tenant.entry.id);
    upstream.failFrom.set('fails-1', 0);
    const created = await call(a, 'POST', '/api/v1/accounts', {
      account_id: 'ok-1',
      provider: 'http',
      airbnb_cookie: secrets.cookie,
      x_airbnb_client_trace_id: secrets.trace,
      user_agent: secrets.agent,
    });
    expect(created.status).toBe(201);
    const failing = await call(a, 'POST', '/api/v1/accounts', {
      account_id: 'fails-1',
      provider: 'http',
      credentials: { token: secrets.token },
    });
    expect(failing.status).toBe(201);
    const refused = await call(a, 'POST', '/api/v1/accounts', {
      account_id: 'bad id',
      airbnb_cookie: secrets.invalid,
      credentials: { token: 42, other: secrets.invalid },
    });
    expect(refused.status).toBe(400);

    // The provider got the decrypted credentials; failures were recorded.
    await waitFor(
      () =>
        upstream.calls.some((c) => c.accountId === 'ok-1' && c.headers.cookie === secrets.cookie) &&
        upstream.calls.some((c) => c.accountId === 'fails-1' && c.headers.token === secrets.token),
      { what: 'syncs with credentials' },
    );
    await waitFor(
      async () =>
        (await world.count(
          `select count(*)::int as n from account where account_id = 'fails-1' and consecutive_failures >= 2`,
        )) === 1,
      { what: 'failed runs' },
    );
    expect(
      (await call(a, 'PATCH', '/api/v1/accounts/ok-1', { airbnb_cookie: secrets.rotated })).status,
    ).toBe(200);
    await waitFor(
      () =>
        upstream.calls.some((c) => c.accountId === 'ok-1' && c.headers.cookie === secrets.rotated),
      { what: 'a sync with the rotated cookie' },
    );
    for (const path of ['/api/v1/accounts', '/api/v1/accounts/ok-1', '/api/v1/accounts/fails-1'])
      expect((await call(a, 'GET', path)).status).toBe(200);
    const moved = await call('admin', 'PATCH', `/api/v1/accounts/ok-1?customer_id=${a.entry.id}`, {
      customer_id: b.entry.id,
    });
    expect(moved.status).toBe(200);
    expect((await call(b, 'GET', '/api/v1/accounts/ok-1')).status).toBe(200);

    const ended = await service.stop();
    expect(ended.forced).toBe(false);
    const output = service.output();
    // The logs are there (so the search below means something)...
    expect(output).toContain('"msg":"request completed"');
    expect(output).toContain('"msg":"sync run failed"');
    expect(output).toContain('"msg":"accounts reassigned"');
    // ...and no secret is in them, nor in any response.
    for (const value of Object.values(secrets)) {
      expect(output).not.toContain(value);
      for (const response of responses) expect(response).not.toContain(value);
    }
  });
});
