import { waitFor } from '@tenantbus/testing';
import { startStack, type Stack } from './support/stack';

const SERVICES = ['tenant-service', 'sync-service', 'usage-service'] as const;

/** The three services as separate processes, each with its own database, on one bus prefix. */
describe('the services boot, answer health and stop cleanly', () => {
  let stack: Stack;
  const tenantService = () => stack.services['tenant-service'];

  beforeAll(async () => {
    stack = await startStack({
      'sync-service': { CREDENTIALS_KEYS: `e2e:${Buffer.alloc(32, 1).toString('base64')}` },
    });
  }, 120_000);

  afterAll(() => stack?.stop());

  it.each(SERVICES)('%s is ready with NATS and its database up', async (name) => {
    const res = await fetch(`${stack.services[name].url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      info: { nats: { status: 'up' }, database: { status: 'up' } },
    });
  });

  it('tenant-service migrated its database, checks it for readiness and serves its API docs', async () => {
    const ready = await (await fetch(`${tenantService().url}/health/ready`)).json();
    expect(ready).toMatchObject({ info: { database: { status: 'up' } } });
    const docs = await fetch(`${tenantService().url}/docs-json`);
    expect(docs.status).toBe(200);
    expect(await docs.json()).toMatchObject({ info: { title: 'tenantbus tenant-service' } });
  });

  it('exposes Prometheus metrics with request counts by route pattern', async () => {
    await fetch(`${tenantService().url}/api/v1/tenants/some-id`);
    const text = await (await fetch(`${tenantService().url}/metrics`)).text();
    expect(text).toMatch(
      /http_requests_total\{[^}]*route="\/api\/v1\/tenants\/:idOrSlug"[^}]*status="401"/,
    );
    expect(text).toContain('service="tenant-service"');
  });

  it('refuses a JSON body over the size limit with 413', async () => {
    const res = await fetch(`${tenantService().url}/api/v1/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'HTTP_413' });
  });

  it('answers errors as JSON with a code and echoes the correlation id', async () => {
    const res = await fetch(`${tenantService().url}/no-such-route`, {
      headers: { 'x-correlation-id': 'e2e-corr-1' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-correlation-id')).toBe('e2e-corr-1');
    expect(await res.json()).toMatchObject({ code: 'HTTP_404', correlationId: 'e2e-corr-1' });
  });

  it('logs structured JSON lines carrying the request and trace ids', async () => {
    const line = await waitFor(() =>
      tenantService()
        .output()
        .split('\n')
        .find((candidate) => candidate.includes('"request_id":"e2e-corr-1"')),
    );
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      service: 'tenant-service',
      request_id: 'e2e-corr-1',
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('shuts down gracefully on SIGTERM (Nest re-raises the signal after closing)', async () => {
    const ends = await Promise.all(Object.values(stack.services).map((service) => service.stop()));
    for (const end of ends) {
      expect(end.forced).toBe(false);
      expect(end.code === 0 || end.signal === 'SIGTERM').toBe(true);
    }
  });
});
