import { randomUUID } from 'node:crypto';
import { startTenantService, type TenantServiceHarness } from './tenant-service.harness';

type Body = Record<string, unknown>;
interface DomainBody {
  hostname: string;
  primary: boolean;
  createdAt: string;
}

describe('tenant-service: tenant domains (real Postgres + NATS)', () => {
  let svc: TenantServiceHarness;
  const unique = () => randomUUID().slice(0, 8);
  const host = (label: string) => `${label}-${unique()}.example`;

  const createTenant = (body: Body = {}) => svc.createTenant(body);
  const count = (sql: string, params: unknown[] = []) => svc.count(sql, params);
  /** What a refused call must leave untouched. */
  const state = async (tenantId: string) => ({
    ...(await svc.tenantState(tenantId)),
    domains: await count('select count(*)::int as n from domain'),
  });
  const version = (tenantId: string) => svc.version(tenantId);
  const domains = async (tenantId: string) =>
    (await svc.call<DomainBody[]>('GET', `/api/v1/tenants/${tenantId}/domains`)).body;
  const add = (tenantId: string, body: Body) =>
    svc.call<Body>('POST', `/api/v1/tenants/${tenantId}/domains`, { body });

  beforeAll(async () => {
    svc = await startTenantService();
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('adds (lower-cased, first is primary), switches the primary, removes; each change bumps the version and announces it', async () => {
    const tenant = await createTenant();
    const [first, second, third] = [host('one'), host('two'), host('three')];
    expect(await domains(tenant.id)).toEqual([]);

    const added = await add(tenant.id, { hostname: first.toUpperCase() });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ hostname: first, primary: true });
    expect(await version(tenant.id)).toBe(2);

    expect((await add(tenant.id, { hostname: second })).body).toMatchObject({ primary: false });
    expect(await version(tenant.id)).toBe(3);

    const primary = await svc.call(
      'POST',
      `/api/v1/tenants/${tenant.id}/domains/${second}/primary`,
    );
    expect(primary.status).toBe(200);
    expect(primary.body).toMatchObject({ hostname: second, primary: true });
    expect(await version(tenant.id)).toBe(4);

    // `primary: true` on add demotes the current primary: still exactly one.
    expect((await add(tenant.id, { hostname: third, primary: true })).body).toMatchObject({
      primary: true,
    });
    expect((await domains(tenant.id)).map((d) => [d.hostname, d.primary])).toEqual([
      [first, false],
      [second, false],
      [third, true],
    ]);
    expect(await version(tenant.id)).toBe(5);

    // Removing the primary promotes the oldest remaining domain.
    const removed = await svc.call('DELETE', `/api/v1/tenants/${tenant.id}/domains/${third}`);
    expect(removed.status).toBe(204);
    expect((await domains(tenant.id)).map((d) => [d.hostname, d.primary])).toEqual([
      [first, true],
      [second, false],
    ]);
    const view = await svc.call<Body>('GET', `/api/v1/tenants/${tenant.id}`);
    expect(view.body).toMatchObject({ version: 6 });
    expect(view.body.domains).toEqual(expect.arrayContaining([first, second]));

    expect(
      await count('select count(*)::int as n from domain where tenant_id = $1 and is_primary', [
        tenant.id,
      ]),
    ).toBe(1);
    const events = await svc.db.query<{ type: string; version: number; domains: string[] }>(
      `select payload->>'type' as type, (payload->'data'->'entry'->>'version')::int as version,
              payload->'data'->'entry'->'domains' as domains
         from outbox where tenant_id = $1 order by id`,
      [tenant.id],
    );
    expect(events.map((event) => [event.type, event.version])).toEqual([
      ['tenant.created', 1],
      ['tenant.domains_changed', 2],
      ['tenant.domains_changed', 3],
      ['tenant.domains_changed', 4],
      ['tenant.domains_changed', 5],
      ['tenant.domains_changed', 6],
    ]);
    expect(events[events.length - 1].domains).toEqual([first, second].sort());
    const audit = await svc.db.query<{ action: string; target_id: string; actor: string }>(
      'select action, target_id, actor from audit_event where tenant_id = $1 order by id',
      [tenant.id],
    );
    expect(audit.map((row) => [row.action, row.target_id])).toEqual([
      ['tenant.created', tenant.id],
      ['domain.added', first],
      ['domain.added', second],
      ['domain.primary_changed', second],
      ['domain.added', third],
      ['domain.removed', third],
    ]);
    expect(new Set(audit.map((row) => row.actor))).toEqual(new Set(['admin:ops']));
  });

  it('making the primary primary again changes nothing', async () => {
    const tenant = await createTenant();
    const hostname = host('same');
    await add(tenant.id, { hostname });
    const before = await state(tenant.id);
    const res = await svc.call('POST', `/api/v1/tenants/${tenant.id}/domains/${hostname}/primary`);
    expect([res.status, res.body]).toEqual([200, expect.objectContaining({ primary: true })]);
    expect(await state(tenant.id)).toEqual(before);
  });

  it.each([
    ['an invalid hostname', { hostname: 'not a host' }, 'hostname'],
    ['a hostname without a TLD', { hostname: 'localhost' }, 'hostname'],
    ['a missing hostname', {}, 'hostname'],
    ['a non-boolean primary', { hostname: 'ok.example', primary: 'yes' }, 'primary'],
    ['an unknown field', { hostname: 'ok.example', verified: true }, 'verified'],
  ])('400 VALIDATION_FAILED for %s, and nothing written', async (_label, body, field) => {
    const tenant = await createTenant();
    const before = await state(tenant.id);
    const res = await add(tenant.id, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: expect.arrayContaining([expect.objectContaining({ field })]) },
    });
    expect(await state(tenant.id)).toEqual(before);
  });

  it('409 DOMAIN_TAKEN when any tenant has the hostname (case-insensitive), and nothing written', async () => {
    const owner = await createTenant();
    const other = await createTenant();
    const hostname = host('taken');
    expect((await add(owner.id, { hostname })).status).toBe(201);
    const [ownerBefore, otherBefore] = [await state(owner.id), await state(other.id)];
    for (const [tenantId, candidate] of [
      [other.id, hostname.toUpperCase()],
      [owner.id, hostname],
    ]) {
      const res = await add(tenantId, { hostname: candidate });
      expect([res.status, res.body.code]).toEqual([409, 'DOMAIN_TAKEN']);
    }
    // A domain created with the tenant is taken too.
    const seeded = host('seeded');
    await createTenant({ domains: [seeded] });
    expect((await add(other.id, { hostname: seeded })).body).toMatchObject({
      code: 'DOMAIN_TAKEN',
    });
    expect(await state(owner.id)).toEqual({ ...ownerBefore, domains: ownerBefore.domains + 1 });
    expect(await state(other.id)).toEqual({ ...otherBefore, domains: otherBefore.domains + 1 });
  });

  it('another tenant cannot touch a domain: 404 through its own path, and the domain stays', async () => {
    const owner = await createTenant();
    const intruder = await createTenant();
    const hostname = host('mine');
    await add(owner.id, { hostname });
    await add(intruder.id, { hostname: host('theirs') });
    const before = await state(intruder.id);
    for (const [method, path] of [
      ['DELETE', `/api/v1/tenants/${intruder.id}/domains/${hostname}`],
      ['POST', `/api/v1/tenants/${intruder.id}/domains/${hostname}/primary`],
    ]) {
      const res = await svc.call(method, path);
      expect([res.status, res.body.code]).toEqual([404, 'DOMAIN_NOT_FOUND']);
    }
    expect(await state(intruder.id)).toEqual(before);
    expect((await domains(owner.id)).map((d) => d.hostname)).toEqual([hostname]);
  });

  it('404 for an unknown tenant or hostname', async () => {
    const missing = randomUUID();
    for (const [method, path] of [
      ['GET', `/api/v1/tenants/${missing}/domains`],
      ['POST', `/api/v1/tenants/${missing}/domains`],
      ['DELETE', `/api/v1/tenants/${missing}/domains/a.example`],
    ] as const) {
      const res = await svc.call(method, path, {
        body: method === 'POST' ? { hostname: host('x') } : undefined,
      });
      expect([res.status, res.body.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    }
    const tenant = await createTenant();
    const res = await svc.call('DELETE', `/api/v1/tenants/${tenant.id}/domains/nope.example`);
    expect([res.status, res.body.code]).toEqual([404, 'DOMAIN_NOT_FOUND']);
  });

  it('409 TENANT_DELETED on a deleted tenant (reads still work), and nothing written', async () => {
    const hostname = host('gone');
    const tenant = await createTenant({ domains: [hostname] });
    expect((await svc.call('DELETE', `/api/v1/tenants/${tenant.id}`)).status).toBe(200);
    const before = await state(tenant.id);
    for (const [method, path] of [
      ['POST', `/api/v1/tenants/${tenant.id}/domains`],
      ['DELETE', `/api/v1/tenants/${tenant.id}/domains/${hostname}`],
      ['POST', `/api/v1/tenants/${tenant.id}/domains/${hostname}/primary`],
    ] as const) {
      const res = await svc.call(method, path, {
        body: path.endsWith('/domains') ? { hostname: host('new') } : undefined,
      });
      expect([res.status, res.body.code]).toEqual([409, 'TENANT_DELETED']);
    }
    expect(await state(tenant.id)).toEqual(before);
    expect((await domains(tenant.id)).map((d) => d.hostname)).toEqual([hostname]);
  });
});
