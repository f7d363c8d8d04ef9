import { randomUUID } from 'node:crypto';
import { startTenantService, type TenantServiceHarness } from './tenant-service.harness';

type Body = Record<string, unknown>;
interface AuditItem {
  id: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before: Body | null;
  after: Body | null;
  correlationId: string | null;
  createdAt: string;
}
interface AuditPage {
  items: AuditItem[];
  nextCursor: string | null;
}

describe('tenant-service: tenant audit trail (real Postgres + NATS)', () => {
  let svc: TenantServiceHarness;
  const unique = () => randomUUID().slice(0, 8);

  const createTenant = () => svc.createTenant();
  const auditCount = async (tenantId: string) =>
    (
      await svc.db.query<{ n: number }>(
        'select count(*)::int as n from audit_event where tenant_id = $1',
        [tenantId],
      )
    )[0].n;
  const page = (tenantId: string, query = '') =>
    svc.call<AuditPage>('GET', `/api/v1/tenants/${tenantId}/audit${query}`);
  const allPages = async (tenantId: string, limit: number) => {
    const items: AuditItem[] = [];
    let cursor: string | null = null;
    do {
      const res = await page(tenantId, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  };

  beforeAll(async () => {
    svc = await startTenantService();
  });

  afterAll(async () => {
    await svc?.close();
  });

  it("lists the tenant's own rows newest first, page by page, without secrets", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const base = `/api/v1/tenants/${tenant.id}`;
    const correlationId = `corr-${unique()}`;
    await svc.call('POST', `${base}/domains`, {
      body: { hostname: `${unique()}.example` },
      headers: { 'x-correlation-id': correlationId },
    });
    const key = await svc.createApiKey(tenant.id);
    const invitation = await svc.call<{ id: string; token: string }>(
      'POST',
      `${base}/invitations`,
      { body: { email: `${unique()}@acme.example`, role: 'member' } },
    );
    await svc.call('DELETE', `${base}/api-keys/${key.id}`);
    await svc.call('POST', `/api/v1/tenants/${other.id}/members`, {
      body: { email: `${unique()}@acme.example`, role: 'member' },
    });

    const first = await page(tenant.id);
    expect(first.status).toBe(200);
    expect(first.body.nextCursor).toBeNull();
    expect(first.body.items.map((item) => item.action)).toEqual([
      'api_key.revoked',
      'invitation.created',
      'api_key.created',
      'domain.added',
      'tenant.created',
    ]);
    expect(first.body.items[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      actor: 'admin:ops',
      action: 'api_key.revoked',
      targetType: 'api_key',
      targetId: key.id,
      before: expect.objectContaining({ id: key.id, revokedAt: null }),
      after: expect.objectContaining({ id: key.id, revokedAt: expect.any(String) }),
      correlationId: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(first.body.items[3]).toMatchObject({ action: 'domain.added', correlationId });
    expect(first.body.items[4]).toMatchObject({ before: null, targetId: tenant.id });

    const paged = await allPages(tenant.id, 2);
    expect(paged).toEqual(first.body.items);
    const ids = paged.map((item) => BigInt(item.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));

    const text = JSON.stringify(paged);
    expect(text).not.toContain(key.key.split('_').pop());
    expect(text).not.toContain(invitation.body.token);
    expect(text).not.toContain(other.id);
    expect((await page(other.id)).body.items.map((item) => item.action)).toEqual([
      'member.added',
      'tenant.created',
    ]);
    // Reading the trail is not itself audited.
    expect(await auditCount(tenant.id)).toBe(5);
  });

  it('reads by slug and keeps working after the tenant is deleted', async () => {
    const tenant = await createTenant();
    await svc.call('DELETE', `/api/v1/tenants/${tenant.id}`);
    const res = await page(tenant.slug);
    expect(res.status).toBe(200);
    expect(res.body.items.map((item) => item.action)).toEqual(['tenant.deleted', 'tenant.created']);
  });

  it('404 for an unknown tenant; 400 for a bad cursor, limit or unknown parameter', async () => {
    const missing = await page(randomUUID());
    expect([missing.status, missing.body]).toEqual([
      404,
      expect.objectContaining({ code: 'TENANT_NOT_FOUND' }),
    ]);
    const tenant = await createTenant();
    for (const [query, code] of [
      ['?cursor=not-a-cursor', 'CURSOR_INVALID'],
      [`?cursor=${Buffer.from('0').toString('base64url')}`, 'CURSOR_INVALID'],
      ['?limit=0', 'VALIDATION_FAILED'],
      ['?limit=101', 'VALIDATION_FAILED'],
      ['?limit=ten', 'VALIDATION_FAILED'],
      ['?action=tenant.created', 'VALIDATION_FAILED'],
    ]) {
      const res = await page(tenant.id, query);
      expect([query, res.status, (res.body as unknown as Body).code]).toEqual([query, 400, code]);
    }
  });

  it('is an admin route: 401 without a credential, 403 with a tenant API key', async () => {
    const tenant = await createTenant();
    const key = await svc.createApiKey(tenant.id, { name: 'tenant' });
    const path = `/api/v1/tenants/${tenant.id}/audit`;
    expect((await svc.call('GET', path, { anonymous: true })).status).toBe(401);
    expect(
      (await svc.call('GET', path, { anonymous: true, headers: { 'x-api-key': key.key } })).status,
    ).toBe(403);
  });
});
