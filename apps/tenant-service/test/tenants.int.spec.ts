import { BusNaming, Subjects } from '@tenantbus/contracts';
import { generateApiKey, TenantDirectory } from '@tenantbus/tenant-context';
import { waitFor } from '@tenantbus/testing';
import { JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { startTenantService, type TenantServiceHarness } from './tenant-service.harness';

type Body = Record<string, unknown>;
const codec = JSONCodec<unknown>();

describe('tenant-service: tenants REST (real Postgres + NATS)', () => {
  let svc: TenantServiceHarness;
  let slugCounter = 0;
  const slug = (label: string) => `${label}-${(slugCounter += 1)}-${randomUUID().slice(0, 6)}`;

  const create = (body: Body = {}) => svc.createTenant(body);
  const count = (sql: string, params: unknown[] = []) => svc.count(sql, params);
  const counts = async () => ({
    tenants: await count('select count(*)::int as n from tenant'),
    audit: await count('select count(*)::int as n from audit_event'),
    outbox: await count('select count(*)::int as n from outbox'),
  });
  /** A tenant API key, inserted as the api-keys feature would store it. */
  const apiKeyFor = async (tenantId: string) => {
    const key = generateApiKey();
    await svc.db.query(
      `insert into api_key (id, tenant_id, name, role, prefix, secret_hash) values ($1, $2, 'test', 'member', $3, $4)`,
      [randomUUID(), tenantId, key.prefix, key.hash],
    );
    return key.key;
  };

  beforeAll(async () => {
    svc = await startTenantService();
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('creates, reads by id and slug, lists with filters and cursor pagination', async () => {
    const acme = await create({
      slug: slug('acme'),
      plan: 'pro',
      settings: { timezone: 'Europe/Paris', locale: 'fr-FR', color: 'red' },
      domains: ['App.Acme.example'],
    });
    expect(acme).toMatchObject({
      status: 'active',
      plan: 'pro',
      domains: ['app.acme.example'],
      version: 1,
    });
    const byId = await svc.call('GET', `/api/v1/tenants/${acme.id}`);
    expect(byId.headers.etag).toBe('"1"');
    expect((await svc.call('GET', `/api/v1/tenants/${acme.slug}`)).body).toMatchObject({
      id: acme.id,
    });
    const others = await Promise.all([create({ plan: 'pro' }), create({ plan: 'pro' }), create()]);
    const pro: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await svc.call(
        'GET',
        `/api/v1/tenants?plan=pro&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      pro.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pro).toEqual(expect.arrayContaining([acme.id, others[0].id, others[1].id]));
    expect(pro).not.toContain(others[2].id);
    expect(new Set(pro).size).toBe(pro.length);
    const search = await svc.call<{ items: { id: string }[] }>(
      'GET',
      `/api/v1/tenants?q=${acme.slug.slice(0, 8).toUpperCase()}`,
    );
    expect(search.body.items.map((item) => item.id)).toContain(acme.id);
  });

  it.each([
    ['a bad slug', { slug: 'Not_A_Slug', name: 'x' }, 'slug'],
    ['a short slug', { slug: 'ab', name: 'x' }, 'slug'],
    ['an unknown field', { slug: 'fine-slug', name: 'x', owner: 'me' }, 'owner'],
    [
      'a bad time zone',
      { slug: 'fine-slug', name: 'x', settings: { timezone: 'Mars/Olympus' } },
      'settings',
    ],
    ['a bad domain', { slug: 'fine-slug', name: 'x', domains: ['not a host'] }, 'domains'],
  ])('400 with field errors for %s, and nothing written', async (_label, body, field) => {
    const before = await counts();
    const res = await svc.call('POST', '/api/v1/tenants', { body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: expect.arrayContaining([expect.objectContaining({ field })]) },
    });
    expect(await counts()).toEqual(before);
  });

  it('409 on a duplicate slug, domain or external reference; 400 on an unknown plan; nothing written', async () => {
    const taken = await create({ domains: ['taken.example'], externalRef: `ref-${randomUUID()}` });
    const before = await counts();
    for (const [body, code] of [
      [{ slug: taken.slug }, 'TENANT_SLUG_TAKEN'],
      [{ domains: ['TAKEN.example'] }, 'DOMAIN_TAKEN'],
      [{ externalRef: taken.externalRef }, 'TENANT_EXTERNAL_REF_TAKEN'],
    ] as const) {
      const res = await svc.call('POST', '/api/v1/tenants', {
        body: Object.assign({ slug: slug('dup'), name: 'Dup' }, body),
      });
      expect([res.status, res.body.code]).toEqual([409, code]);
    }
    const plan = await svc.call('POST', '/api/v1/tenants', {
      body: { slug: slug('p'), name: 'P', plan: 'platinum' },
    });
    expect([plan.status, plan.body.code]).toEqual([400, 'PLAN_NOT_FOUND']);
    expect(await counts()).toEqual(before);
  });

  it('concurrent creates of one slug: one 201, the rest 409 TENANT_SLUG_TAKEN, one tenant, event and audit row', async () => {
    const before = await counts();
    const contested = slug('race');
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        svc.call('POST', '/api/v1/tenants', { body: { slug: contested, name: 'Race' } }),
      ),
    );
    expect(results.filter((res) => res.status === 201)).toHaveLength(1);
    expect(
      results.filter((res) => res.status !== 201).map((res) => [res.status, res.body.code]),
    ).toEqual(Array.from({ length: 7 }, () => [409, 'TENANT_SLUG_TAKEN']));
    expect(await counts()).toEqual({
      tenants: before.tenants + 1,
      audit: before.audit + 1,
      outbox: before.outbox + 1,
    });
  });

  it('auth matrix: no or wrong credential 401, tenant API key 403 on admin routes but 200 on /me', async () => {
    const tenant = await create();
    const key = await apiKeyFor(tenant.id);
    expect((await svc.call('GET', '/api/v1/tenants', { anonymous: true })).status).toBe(401);
    expect(
      (
        await svc.call('GET', '/api/v1/tenants', {
          anonymous: true,
          headers: { authorization: 'Bearer wrong-token-xxxxxxxxxx' },
        })
      ).status,
    ).toBe(401);
    expect(
      (await svc.call('GET', '/api/v1/tenants', { anonymous: true, headers: { 'x-api-key': key } }))
        .status,
    ).toBe(403);
    const me = await svc.call('GET', '/api/v1/me', {
      anonymous: true,
      headers: { 'x-api-key': key },
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: tenant.id, slug: tenant.slug });
    expect((await svc.call('GET', '/api/v1/me', { anonymous: true })).status).toBe(401);
  });

  it('another tenant key sees only its own tenant on /me', async () => {
    const [a, b] = [await create(), await create()];
    const keyB = await apiKeyFor(b.id);
    const me = await svc.call('GET', '/api/v1/me', {
      anonymous: true,
      headers: { 'x-api-key': keyB },
    });
    expect(me.body).toMatchObject({ id: b.id });
    expect(JSON.stringify(me.body)).not.toContain(a.id);
  });

  it('PATCH merges settings, changes the plan, and honours If-Match (412 on a stale version)', async () => {
    const tenant = await create({ settings: { timezone: 'UTC', keep: 1, drop: true } });
    const patched = await svc.call('PATCH', `/api/v1/tenants/${tenant.id}`, {
      body: { name: 'New name', plan: 'pro', settings: { drop: null, locale: 'en-GB' } },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'New name',
      plan: 'pro',
      version: 2,
      settings: { timezone: 'UTC', keep: 1, locale: 'en-GB' },
    });
    expect(patched.body.settings).not.toHaveProperty('drop');
    expect(patched.headers.etag).toBe('"2"');
    const before = await counts();
    const stale = await svc.call('PATCH', `/api/v1/tenants/${tenant.id}`, {
      body: { name: 'Lost update' },
      headers: { 'if-match': '"1"' },
    });
    expect([stale.status, stale.body.code]).toEqual([412, 'VERSION_MISMATCH']);
    expect(await counts()).toEqual(before);
    const events = await svc.db.query<{ type: string }>(
      `select payload->>'type' as type from outbox where tenant_id = $1 order by id`,
      [tenant.id],
    );
    expect(events.map((event) => event.type)).toEqual(['tenant.created', 'tenant.plan_changed']);
  });

  it('suspend / activate / delete / purge follow the lifecycle, with 409 on wrong transitions', async () => {
    const tenant = await create({ domains: [`${slug('d')}.example`] });
    const key = await apiKeyFor(tenant.id);
    const path = `/api/v1/tenants/${tenant.id}`;
    expect((await svc.call('POST', `${path}/purge`)).body).toMatchObject({
      code: 'TENANT_NOT_DELETED',
    });
    expect((await svc.call('POST', `${path}/activate`)).status).toBe(409);
    expect((await svc.call('POST', `${path}/suspend`, { body: {} })).status).toBe(400);
    expect(
      (await svc.call('POST', `${path}/suspend`, { body: { reason: 'unpaid' } })).body,
    ).toMatchObject({ status: 'suspended', suspendedReason: 'unpaid' });
    await waitFor(
      async () =>
        (await svc.call('GET', '/api/v1/me', { anonymous: true, headers: { 'x-api-key': key } }))
          .status === 403
          ? true
          : undefined,
      {
        what: 'suspension reaching the directory cache',
      },
    );
    expect((await svc.call('POST', `${path}/activate`)).body).toMatchObject({
      status: 'active',
      suspendedReason: null,
    });
    expect((await svc.call('DELETE', path)).body).toMatchObject({ status: 'deleted' });
    expect((await svc.call('DELETE', path)).status).toBe(409);
    expect((await svc.call('PATCH', path, { body: { name: 'zombie' } })).status).toBe(409);
    const purged = await svc.call('POST', `${path}/purge`);
    expect(purged.body).toMatchObject({
      status: 'deleted',
      domains: [],
      purgedAt: expect.any(String),
    });
    expect(
      await count('select count(*)::int as n from api_key where tenant_id = $1', [tenant.id]),
    ).toBe(0);
    const actions = await svc.db.query<{ action: string; actor: string }>(
      'select action, actor from audit_event where tenant_id = $1 order by id',
      [tenant.id],
    );
    expect(actions.map((row) => row.action)).toEqual([
      'tenant.created',
      'tenant.suspended',
      'tenant.activated',
      'tenant.deleted',
      'tenant.purged',
    ]);
    expect(new Set(actions.map((row) => row.actor))).toEqual(new Set(['admin:ops']));
    const types = await svc.db.query<{ type: string }>(
      `select payload->>'type' as type from outbox where tenant_id = $1 order by id`,
      [tenant.id],
    );
    expect(types.map((row) => row.type)).toEqual([
      'tenant.created',
      'tenant.suspended',
      'tenant.activated',
      'tenant.deleted',
      'tenant.purged',
    ]);
  });

  it('refuses custom domains on the platform base domain (they would read as tenant slugs)', async () => {
    const before = await counts();
    for (const hostname of ['tenantbus.test', 'shop.tenantbus.test']) {
      const res = await svc.call('POST', '/api/v1/tenants', {
        body: { slug: slug('r'), name: 'R', domains: [hostname] },
      });
      expect([res.status, res.body.code]).toEqual([400, 'DOMAIN_RESERVED']);
    }
    const tenant = await create();
    const added = await svc.call('POST', `/api/v1/tenants/${tenant.id}/domains`, {
      body: { hostname: 'x.tenantbus.test' },
    });
    expect([added.status, added.body.code]).toEqual([400, 'DOMAIN_RESERVED']);
    expect((await counts()).audit).toBe(before.audit + 1);
  });

  it('404 for an unknown tenant with a clear error', async () => {
    const res = await svc.call('GET', `/api/v1/tenants/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'TENANT_NOT_FOUND', message: 'Tenant not found' });
  });

  it('resolve is get-or-create and race-safe: 50 concurrent calls with one ref create one tenant', async () => {
    const externalRef = `crm-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        svc.call<{ created: boolean; tenant: { id: string } }>('POST', '/api/v1/tenants/resolve', {
          body: { externalRef, name: 'Auto' },
        }),
      ),
    );
    expect(results.every((res) => res.status === 200)).toBe(true);
    expect(new Set(results.map((res) => res.body.tenant.id)).size).toBe(1);
    expect(results.filter((res) => res.body.created)).toHaveLength(1);
    expect(
      await count('select count(*)::int as n from tenant where external_ref = $1', [externalRef]),
    ).toBe(1);
    expect(
      await count(
        `select count(*)::int as n from outbox where payload->>'type' = 'tenant.created' and tenant_id = $1`,
        [results[0].body.tenant.id],
      ),
    ).toBe(1);
  });

  it('offers resolve and directory lookups over NATS request/reply', async () => {
    const naming = new BusNaming(svc.bus.prefix);
    const externalRef = `nats-${randomUUID()}`;
    const reply = await svc.bus.nc.request(
      naming.subject(Subjects.tenantResolve.name),
      codec.encode({ externalRef }),
      { timeout: 5_000 },
    );
    const resolved = codec.decode(reply.data) as {
      created: boolean;
      tenant: { id: string; slug: string };
    };
    expect(resolved.created).toBe(true);
    const directory = new TenantDirectory(svc.bus.nc, naming);
    expect(await directory.findById(resolved.tenant.id)).toMatchObject({
      id: resolved.tenant.id,
      status: 'active',
      plan: 'free',
      version: 1,
    });
    expect(await directory.findBySlug(resolved.tenant.slug)).toMatchObject({
      id: resolved.tenant.id,
    });
    expect(await directory.findBySlug('no-such-tenant')).toBeUndefined();
    const bad = await svc.bus.nc.request(
      naming.subject(Subjects.tenantResolve.name),
      codec.encode({ nope: 1 }),
      { timeout: 5_000 },
    );
    expect(codec.decode(bad.data)).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
  });

  it('plans: list, upsert, and a limit change re-announces tenants on the plan', async () => {
    const code = `plan-${randomUUID().slice(0, 8)}`;
    expect(
      (
        await svc.call('PUT', `/api/v1/plans/${code}`, {
          body: { name: 'Custom', limits: { api_calls: 10 } },
        })
      ).status,
    ).toBe(200);
    const tenant = await create({ plan: code });
    const res = await svc.call('PUT', `/api/v1/plans/${code}`, {
      body: { name: 'Custom', limits: { api_calls: 20, sync_accounts: null } },
    });
    expect(res.body).toMatchObject({ code, limits: { api_calls: 20, sync_accounts: null } });
    const last = await svc.db.query<{ type: string; limits: unknown }>(
      `select payload->>'type' as type, payload->'data'->'plan'->'limits' as limits from outbox where tenant_id = $1 order by id desc limit 1`,
      [tenant.id],
    );
    expect(last[0]).toEqual({
      type: 'tenant.plan_changed',
      limits: { api_calls: 20, sync_accounts: null },
    });
    expect(
      (
        await svc.call('PUT', `/api/v1/plans/${code}`, {
          body: { name: 'x', limits: { api_calls: -1 } },
        })
      ).status,
    ).toBe(400);
    const plans = await svc.call<{ code: string }[]>('GET', '/api/v1/plans');
    expect(plans.body.map((plan) => plan.code)).toEqual(
      expect.arrayContaining(['free', 'pro', 'enterprise', code]),
    );
  });
});
