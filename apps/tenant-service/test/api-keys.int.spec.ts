import { waitFor } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { startTenantService, type TenantServiceHarness } from './tenant-service.harness';

type Body = Record<string, unknown>;

describe('tenant-service: tenant API keys (real Postgres + NATS)', () => {
  let svc: TenantServiceHarness;

  const createTenant = () => svc.createTenant();
  const count = (sql: string, params: unknown[] = []) => svc.count(sql, params);
  const version = (tenantId: string) => svc.version(tenantId);
  /** What a refused call must leave untouched. */
  const state = async (tenantId: string) => ({
    ...(await svc.tenantState(tenantId)),
    keys: await count('select count(*)::int as n from api_key'),
    revoked: await count('select count(*)::int as n from api_key where revoked_at is not null'),
  });
  const createKey = (tenantId: string, body?: Body) => svc.createApiKey(tenantId, body);
  const me = (key: string) =>
    svc.call<Body>('GET', '/api/v1/me', { anonymous: true, headers: { 'x-api-key': key } });

  beforeAll(async () => {
    svc = await startTenantService();
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('creates a key shown once, that authenticates /me until it is revoked', async () => {
    const tenant = await createTenant();
    const created = await createKey(tenant.id, { name: 'ci' });
    expect(Object.keys(created).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'key', 'name', 'prefix', 'role'].sort(),
    );
    expect(created).toMatchObject({ name: 'ci', role: 'member', expiresAt: null });
    expect(created.key.startsWith(`tb_${created.prefix}_`)).toBe(true);
    expect(await version(tenant.id)).toBe(2);

    const authed = await me(created.key);
    expect(authed.status).toBe(200);
    expect(authed.body).toMatchObject({ id: tenant.id, slug: tenant.slug });

    // Never again: not in the list, not in the audit trail, not in the database.
    const secret = created.key.slice(`tb_${created.prefix}_`.length);
    const [{ secret_hash: hash }] = await svc.db.query<{ secret_hash: string }>(
      'select secret_hash from api_key where id = $1',
      [created.id],
    );
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const list = await svc.call<Body[]>('GET', `/api/v1/tenants/${tenant.id}/api-keys`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      {
        id: created.id,
        name: 'ci',
        role: 'member',
        prefix: created.prefix,
        createdAt: created.createdAt,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
    const audit = await svc.db.query<{ row: string }>(
      'select row_to_json(a)::text as row from audit_event a where tenant_id = $1',
      [tenant.id],
    );
    for (const text of [JSON.stringify(list.body), ...audit.map((row) => row.row)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hash);
    }
    expect(
      await count('select count(*)::int as n from api_key where secret_hash = $1', [secret]),
    ).toBe(0);

    const revoked = await svc.call<Body>(
      'DELETE',
      `/api/v1/tenants/${tenant.id}/api-keys/${created.id}`,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.id, revokedAt: expect.any(String) });
    expect(revoked.body).not.toHaveProperty('key');
    expect(await version(tenant.id)).toBe(3);
    // The service's own directory cache learns of the revocation from the lifecycle event.
    await waitFor(async () => ((await me(created.key)).status === 401 ? true : undefined), {
      timeoutMs: 5_000,
      what: 'the revocation reaching the directory cache',
    });
    expect((await me(created.key)).body).toMatchObject({ code: 'INVALID_CREDENTIALS' });

    const events = await svc.db.query<{ type: string; version: number; revoked: string | null }>(
      `select payload->>'type' as type, (payload->'data'->'entry'->>'version')::int as version,
              payload->'data'->'entry'->'apiKeys'->0->>'revokedAt' as revoked
         from outbox where tenant_id = $1 order by id`,
      [tenant.id],
    );
    expect(events.map((event) => [event.type, event.version])).toEqual([
      ['tenant.created', 1],
      ['tenant.api_keys_changed', 2],
      ['tenant.api_keys_changed', 3],
    ]);
    expect(events[2].revoked).toEqual(expect.any(String));
    const actions = await svc.db.query<{ action: string; target_id: string }>(
      'select action, target_id from audit_event where tenant_id = $1 order by id',
      [tenant.id],
    );
    expect(actions.map((row) => [row.action, row.target_id])).toEqual([
      ['tenant.created', tenant.id],
      ['api_key.created', created.id],
      ['api_key.revoked', created.id],
    ]);
  });

  it('takes a role and a future expiry', async () => {
    const tenant = await createTenant();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await createKey(tenant.id, { name: 'ops', role: 'read_only', expiresAt });
    expect(created).toMatchObject({ role: 'read_only', expiresAt });
    expect((await me(created.key)).status).toBe(200);
    const admin = await createKey(tenant.id, { name: 'admin', role: 'admin' });
    expect(admin.role).toBe('admin');
    const list = await svc.call<{ id: string }[]>('GET', `/api/v1/tenants/${tenant.id}/api-keys`);
    expect(list.body.map((key) => key.id)).toEqual([created.id, admin.id]);
  });

  it.each([
    ['a missing name', {}, 'name'],
    ['an unknown role', { name: 'x', role: 'owner' }, 'role'],
    ['an expiry in the past', { name: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['an expiry that is not a date', { name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an unknown field', { name: 'x', secret: 'mine' }, 'secret'],
  ])('400 VALIDATION_FAILED for %s, and nothing written', async (_label, body, field) => {
    const tenant = await createTenant();
    const before = await state(tenant.id);
    const res = await svc.call('POST', `/api/v1/tenants/${tenant.id}/api-keys`, { body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: expect.arrayContaining([expect.objectContaining({ field })]) },
    });
    expect(await state(tenant.id)).toEqual(before);
  });

  it('409 API_KEY_ALREADY_REVOKED on a second revoke, and nothing written', async () => {
    const tenant = await createTenant();
    const created = await createKey(tenant.id);
    const path = `/api/v1/tenants/${tenant.id}/api-keys/${created.id}`;
    expect((await svc.call('DELETE', path)).status).toBe(200);
    const before = await state(tenant.id);
    const again = await svc.call('DELETE', path);
    expect([again.status, again.body.code]).toEqual([409, 'API_KEY_ALREADY_REVOKED']);
    expect(await state(tenant.id)).toEqual(before);
  });

  it('another tenant cannot revoke a key: 404 through its own path, and the key still works', async () => {
    const owner = await createTenant();
    const intruder = await createTenant();
    const created = await createKey(owner.id);
    const [ownerBefore, intruderBefore] = [await state(owner.id), await state(intruder.id)];
    const res = await svc.call('DELETE', `/api/v1/tenants/${intruder.id}/api-keys/${created.id}`);
    expect([res.status, res.body.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
    const listed = await svc.call<Body[]>('GET', `/api/v1/tenants/${intruder.id}/api-keys`);
    expect(listed.body).toEqual([]);
    expect(await state(owner.id)).toEqual(ownerBefore);
    expect(await state(intruder.id)).toEqual(intruderBefore);
    expect((await me(created.key)).body).toMatchObject({ id: owner.id });
  });

  it('404 for an unknown tenant or key id', async () => {
    const missing = randomUUID();
    const list = await svc.call('GET', `/api/v1/tenants/${missing}/api-keys`);
    expect([list.status, list.body.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    const create = await svc.call('POST', `/api/v1/tenants/${missing}/api-keys`, {
      body: { name: 'x' },
    });
    expect([create.status, create.body.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    const tenant = await createTenant();
    const before = await state(tenant.id);
    for (const keyId of [randomUUID(), 'not-a-uuid']) {
      const res = await svc.call('DELETE', `/api/v1/tenants/${tenant.id}/api-keys/${keyId}`);
      expect([res.status, res.body.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
    }
    expect(await state(tenant.id)).toEqual(before);
  });

  it('a suspended tenant still manages its keys; a deleted one gets 409 TENANT_DELETED', async () => {
    const tenant = await createTenant();
    const existing = await createKey(tenant.id);
    await svc.call('POST', `/api/v1/tenants/${tenant.id}/suspend`, { body: { reason: 'unpaid' } });
    const rotated = await createKey(tenant.id, { name: 'rotated' });
    expect(
      (await svc.call('DELETE', `/api/v1/tenants/${tenant.id}/api-keys/${existing.id}`)).status,
    ).toBe(200);

    expect((await svc.call('DELETE', `/api/v1/tenants/${tenant.id}`)).status).toBe(200);
    const before = await state(tenant.id);
    const create = await svc.call('POST', `/api/v1/tenants/${tenant.id}/api-keys`, {
      body: { name: 'zombie' },
    });
    expect([create.status, create.body.code]).toEqual([409, 'TENANT_DELETED']);
    const revoke = await svc.call('DELETE', `/api/v1/tenants/${tenant.id}/api-keys/${rotated.id}`);
    expect([revoke.status, revoke.body.code]).toEqual([409, 'TENANT_DELETED']);
    expect(await state(tenant.id)).toEqual(before);
  });
});
