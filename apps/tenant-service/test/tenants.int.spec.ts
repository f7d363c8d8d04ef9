import { startTenantService, type TenantServiceHarness } from './tenant-service.harness';

describe('tenant-service: tenants REST (real Postgres + NATS)', () => {
  let svc: TenantServiceHarness;

  beforeAll(async () => {
    svc = await startTenantService();
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('creates, reads by id and slug, and lists a tenant', async () => {
    const created = await svc.call('POST', '/api/v1/tenants', {
      body: {
        slug: 'acme',
        name: 'Acme',
        plan: 'pro',
        settings: { timezone: 'Europe/Paris' },
        domains: ['app.acme.example'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      slug: 'acme',
      status: 'active',
      plan: 'pro',
      domains: ['app.acme.example'],
      version: 1,
    });
    const id = created.body.id as string;
    expect((await svc.call('GET', `/api/v1/tenants/${id}`)).body).toMatchObject({
      id,
      slug: 'acme',
    });
    expect((await svc.call('GET', '/api/v1/tenants/acme')).body).toMatchObject({ id });
    const list = await svc.call<{ items: { id: string }[] }>('GET', '/api/v1/tenants?q=acm');
    expect(list.body.items.map((item) => item.id)).toContain(id);
  });
});
