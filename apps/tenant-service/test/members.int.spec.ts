import { createHash, randomUUID } from 'node:crypto';
import { startTenantService, type TenantServiceHarness } from './tenant-service.harness';

type Body = Record<string, unknown>;
interface MemberBody {
  id: string;
  tenantId: string;
  email: string;
  role: string;
  createdAt: string;
}
interface InvitationBody {
  id: string;
  tenantId: string;
  email: string;
  role: string;
  status: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
  token?: string;
}

describe('tenant-service: members and invitations (real Postgres + NATS)', () => {
  let svc: TenantServiceHarness;
  const unique = () => randomUUID().slice(0, 8);
  const email = (name: string) => `${name}-${unique()}@acme.example`;

  const createTenant = () => svc.createTenant();
  const count = (sql: string, params: unknown[] = []) => svc.count(sql, params);
  const version = (tenantId: string) => svc.version(tenantId);
  /** What a refused call must leave untouched. */
  const state = async (tenantId: string) => ({
    ...(await svc.tenantState(tenantId)),
    members: await svc.db.query('select id, email, role from member order by id'),
    invitations: await svc.db.query(
      'select id, accepted_at, revoked_at, expires_at from invitation order by id',
    ),
  });
  const addMember = async (tenantId: string, body: Body) => {
    const res = await svc.call<MemberBody>('POST', `/api/v1/tenants/${tenantId}/members`, {
      body,
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const invite = async (tenantId: string, body: Body) => {
    const res = await svc.call<InvitationBody>('POST', `/api/v1/tenants/${tenantId}/invitations`, {
      body,
    });
    expect(res.status).toBe(201);
    return res.body as InvitationBody & { token: string };
  };
  const accept = (token: unknown) =>
    svc.call<Body>('POST', '/api/v1/invitations/accept', { body: { token } });
  const expectError = (res: { status: number; body: unknown }, status: number, code: string) =>
    expect([res.status, (res.body as Body).code]).toEqual([status, code]);

  beforeAll(async () => {
    svc = await startTenantService();
  });

  afterAll(async () => {
    await svc?.close();
  });

  describe('members', () => {
    it('adds (email lower-cased), lists, changes the role and removes; audited, no lifecycle event', async () => {
      const tenant = await createTenant();
      const address = email('ada');
      const member = await addMember(tenant.id, { email: address.toUpperCase(), role: 'admin' });
      expect(member).toMatchObject({ tenantId: tenant.id, email: address, role: 'admin' });
      const list = await svc.call<MemberBody[]>('GET', `/api/v1/tenants/${tenant.id}/members`);
      expect(list.body).toEqual([member]);

      const path = `/api/v1/tenants/${tenant.id}/members/${member.id}`;
      const patched = await svc.call('PATCH', path, { body: { role: 'viewer' } });
      expect([patched.status, patched.body]).toEqual([200, { ...member, role: 'viewer' }]);
      const unchanged = await state(tenant.id);
      expect((await svc.call('PATCH', path, { body: { role: 'viewer' } })).status).toBe(200);
      expect(await state(tenant.id)).toEqual(unchanged);

      const removed = await svc.call('DELETE', path);
      expect(removed.status).toBe(204);
      expect((await svc.call('GET', `/api/v1/tenants/${tenant.id}/members`)).body).toEqual([]);

      const audit = await svc.db.query<{ action: string; target_id: string; before: Body | null }>(
        'select action, target_id, before from audit_event where tenant_id = $1 order by id',
        [tenant.id],
      );
      expect(audit.map((row) => [row.action, row.target_id])).toEqual([
        ['tenant.created', tenant.id],
        ['member.added', member.id],
        ['member.role_changed', member.id],
        ['member.removed', member.id],
      ]);
      expect(audit[2].before).toMatchObject({ role: 'admin' });
      // Members are not part of the directory entry: no event, no version bump.
      expect(
        await count('select count(*)::int as n from outbox where tenant_id = $1', [tenant.id]),
      ).toBe(1);
      expect(await version(tenant.id)).toBe(1);
    });

    it('409 MEMBER_EXISTS on a duplicate email in the tenant (any case), and nothing written; other tenants may have it', async () => {
      const tenant = await createTenant();
      const address = email('dup');
      await addMember(tenant.id, { email: address, role: 'member' });
      const before = await state(tenant.id);
      const res = await svc.call('POST', `/api/v1/tenants/${tenant.id}/members`, {
        body: { email: address.toUpperCase(), role: 'owner' },
      });
      expectError(res, 409, 'MEMBER_EXISTS');
      expect(await state(tenant.id)).toEqual(before);
      await addMember((await createTenant()).id, { email: address, role: 'member' });
    });

    it.each([
      ['POST', 'a bad email', { email: 'not-an-email', role: 'member' }, 'email'],
      ['POST', 'a missing role', { email: 'a@b.example' }, 'role'],
      ['POST', 'an unknown role', { email: 'a@b.example', role: 'god' }, 'role'],
      ['POST', 'an unknown field', { email: 'a@b.example', role: 'member', name: 'A' }, 'name'],
      ['PATCH', 'an unknown role', { role: 'god' }, 'role'],
      ['PATCH', 'an unknown field', { role: 'viewer', email: 'b@b.example' }, 'email'],
    ])(
      '400 VALIDATION_FAILED on %s with %s, and nothing written',
      async (method, _l, body, field) => {
        const tenant = await createTenant();
        const member = await addMember(tenant.id, { email: email('v'), role: 'member' });
        const before = await state(tenant.id);
        const path =
          method === 'POST'
            ? `/api/v1/tenants/${tenant.id}/members`
            : `/api/v1/tenants/${tenant.id}/members/${member.id}`;
        const res = await svc.call(method, path, { body });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          code: 'VALIDATION_FAILED',
          details: { fields: expect.arrayContaining([expect.objectContaining({ field })]) },
        });
        expect(await state(tenant.id)).toEqual(before);
      },
    );

    it('another tenant cannot touch a member: 404 through its own path, and the member stays', async () => {
      const owner = await createTenant();
      const intruder = await createTenant();
      const member = await addMember(owner.id, { email: email('mine'), role: 'owner' });
      const [ownerBefore, intruderBefore] = [await state(owner.id), await state(intruder.id)];
      const path = `/api/v1/tenants/${intruder.id}/members/${member.id}`;
      expectError(
        await svc.call('PATCH', path, { body: { role: 'viewer' } }),
        404,
        'MEMBER_NOT_FOUND',
      );
      expectError(await svc.call('DELETE', path), 404, 'MEMBER_NOT_FOUND');
      expect((await svc.call('GET', `/api/v1/tenants/${intruder.id}/members`)).body).toEqual([]);
      expect(await state(owner.id)).toEqual(ownerBefore);
      expect(await state(intruder.id)).toEqual(intruderBefore);
    });

    it('404 for an unknown tenant or member', async () => {
      expectError(
        await svc.call('GET', `/api/v1/tenants/${randomUUID()}/members`),
        404,
        'TENANT_NOT_FOUND',
      );
      expectError(
        await svc.call('POST', `/api/v1/tenants/${randomUUID()}/members`, {
          body: { email: email('x'), role: 'member' },
        }),
        404,
        'TENANT_NOT_FOUND',
      );
      const tenant = await createTenant();
      for (const id of [randomUUID(), 'nope']) {
        expectError(
          await svc.call('DELETE', `/api/v1/tenants/${tenant.id}/members/${id}`),
          404,
          'MEMBER_NOT_FOUND',
        );
      }
    });
  });

  describe('invitations', () => {
    it('creates with a token shown once; accepting it makes the member; the token is single use', async () => {
      const tenant = await createTenant();
      const address = email('grace');
      const started = Date.now();
      const invitation = await invite(tenant.id, { email: address.toUpperCase(), role: 'admin' });
      expect(invitation).toMatchObject({
        tenantId: tenant.id,
        email: address,
        role: 'admin',
        status: 'pending',
        acceptedAt: null,
        revokedAt: null,
      });
      expect(invitation.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const ttl = Date.parse(invitation.expiresAt) - started;
      expect(ttl).toBeGreaterThan(168 * 3_600_000 - 60_000);
      expect(ttl).toBeLessThan(168 * 3_600_000 + 60_000);

      const hash = createHash('sha256').update(invitation.token).digest('hex');
      expect(
        await count('select count(*)::int as n from invitation where token_hash = $1', [hash]),
      ).toBe(1);
      const list = await svc.call<InvitationBody[]>(
        'GET',
        `/api/v1/tenants/${tenant.id}/invitations`,
      );
      const { token, ...withoutToken } = invitation;
      expect(list.body).toEqual([withoutToken]);

      const accepted = await accept(token);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ tenantId: tenant.id, email: address, role: 'admin' });
      expect(
        (await svc.call<MemberBody[]>('GET', `/api/v1/tenants/${tenant.id}/members`)).body,
      ).toEqual([accepted.body]);
      const after = await svc.call<InvitationBody[]>(
        'GET',
        `/api/v1/tenants/${tenant.id}/invitations`,
      );
      expect(after.body[0]).toMatchObject({ status: 'accepted', acceptedAt: expect.any(String) });

      const before = await state(tenant.id);
      expectError(await accept(token), 409, 'INVITATION_USED');
      expectError(
        await svc.call('DELETE', `/api/v1/tenants/${tenant.id}/invitations/${invitation.id}`),
        409,
        'INVITATION_USED',
      );
      expect(await state(tenant.id)).toEqual(before);

      const audit = await svc.db.query<{ action: string; row: string }>(
        'select action, row_to_json(a)::text as row from audit_event a where tenant_id = $1 order by id',
        [tenant.id],
      );
      expect(audit.map((row) => row.action)).toEqual([
        'tenant.created',
        'invitation.created',
        'invitation.accepted',
      ]);
      for (const text of [
        JSON.stringify(list.body),
        JSON.stringify(after.body),
        ...audit.map((row) => row.row),
      ]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(hash);
      }
      expect(
        await count('select count(*)::int as n from outbox where tenant_id = $1', [tenant.id]),
      ).toBe(1);
    });

    it('concurrent accepts of one token: exactly one wins', async () => {
      const tenant = await createTenant();
      const { token } = await invite(tenant.id, { email: email('race'), role: 'member' });
      const results = await Promise.all(Array.from({ length: 8 }, () => accept(token)));
      expect(results.filter((res) => res.status === 200)).toHaveLength(1);
      for (const res of results.filter((r) => r.status !== 200))
        expectError(res, 409, 'INVITATION_USED');
      expect(
        await count('select count(*)::int as n from member where tenant_id = $1', [tenant.id]),
      ).toBe(1);
    });

    it('honours ttlHours; an expired invitation is 410 INVITATION_EXPIRED and nothing is written', async () => {
      const tenant = await createTenant();
      const started = Date.now();
      const invitation = await invite(tenant.id, {
        email: email('late'),
        role: 'viewer',
        ttlHours: 1,
      });
      expect(Math.abs(Date.parse(invitation.expiresAt) - started - 3_600_000)).toBeLessThan(60_000);
      await svc.db.query(
        `update invitation set expires_at = now() - interval '1 minute' where id = $1`,
        [invitation.id],
      );
      const list = await svc.call<InvitationBody[]>(
        'GET',
        `/api/v1/tenants/${tenant.id}/invitations`,
      );
      expect(list.body[0].status).toBe('expired');
      const before = await state(tenant.id);
      expectError(await accept(invitation.token), 410, 'INVITATION_EXPIRED');
      expect(await state(tenant.id)).toEqual(before);
    });

    it('a revoked invitation cannot be accepted or revoked again (409 INVITATION_REVOKED)', async () => {
      const tenant = await createTenant();
      const invitation = await invite(tenant.id, { email: email('rev'), role: 'member' });
      const path = `/api/v1/tenants/${tenant.id}/invitations/${invitation.id}`;
      const revoked = await svc.call<InvitationBody>('DELETE', path);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
      expect(revoked.body).not.toHaveProperty('token');
      const before = await state(tenant.id);
      expectError(await accept(invitation.token), 409, 'INVITATION_REVOKED');
      expectError(await svc.call('DELETE', path), 409, 'INVITATION_REVOKED');
      expect(await state(tenant.id)).toEqual(before);
      const actions = await svc.db.query<{ action: string }>(
        'select action from audit_event where tenant_id = $1 order by id',
        [tenant.id],
      );
      expect(actions.map((row) => row.action)).toEqual([
        'tenant.created',
        'invitation.created',
        'invitation.revoked',
      ]);
    });

    it('404 INVITATION_NOT_FOUND for an unknown token, 400 without one, 401 without admin credentials', async () => {
      expectError(await accept('x'.repeat(43)), 404, 'INVITATION_NOT_FOUND');
      const missing = await svc.call('POST', '/api/v1/invitations/accept', { body: {} });
      expect(missing.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { fields: expect.arrayContaining([expect.objectContaining({ field: 'token' })]) },
      });
      expectError(await accept(42), 400, 'VALIDATION_FAILED');
      const tenant = await createTenant();
      const { token } = await invite(tenant.id, { email: email('anon'), role: 'member' });
      const anonymous = await svc.call('POST', '/api/v1/invitations/accept', {
        body: { token },
        anonymous: true,
      });
      expect(anonymous.status).toBe(401);
      expect(
        await count('select count(*)::int as n from member where tenant_id = $1', [tenant.id]),
      ).toBe(0);
    });

    it.each([
      ['a zero ttl', { ttlHours: 0 }, 'ttlHours'],
      ['a ttl over 30 days', { ttlHours: 721 }, 'ttlHours'],
      ['a fractional ttl', { ttlHours: 1.5 }, 'ttlHours'],
      ['a bad email', { email: 'nobody' }, 'email'],
      ['an unknown role', { role: 'root' }, 'role'],
      ['an unknown field', { token: 'mine' }, 'token'],
    ])('400 VALIDATION_FAILED for %s, and nothing written', async (_label, patch, field) => {
      const tenant = await createTenant();
      const before = await state(tenant.id);
      const res = await svc.call('POST', `/api/v1/tenants/${tenant.id}/invitations`, {
        body: { email: email('v'), role: 'member', ...patch },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { fields: expect.arrayContaining([expect.objectContaining({ field })]) },
      });
      expect(await state(tenant.id)).toEqual(before);
    });

    it('409 MEMBER_EXISTS when inviting a member, or accepting after the email became one', async () => {
      const tenant = await createTenant();
      const address = email('twice');
      const { token } = await invite(tenant.id, { email: address, role: 'member' });
      await addMember(tenant.id, { email: address, role: 'viewer' });
      const before = await state(tenant.id);
      expectError(
        await svc.call('POST', `/api/v1/tenants/${tenant.id}/invitations`, {
          body: { email: address.toUpperCase(), role: 'admin' },
        }),
        409,
        'MEMBER_EXISTS',
      );
      expectError(await accept(token), 409, 'MEMBER_EXISTS');
      expect(await state(tenant.id)).toEqual(before);
    });

    it('another tenant cannot revoke an invitation: 404 through its own path', async () => {
      const owner = await createTenant();
      const intruder = await createTenant();
      const invitation = await invite(owner.id, { email: email('theirs'), role: 'member' });
      const [ownerBefore, intruderBefore] = [await state(owner.id), await state(intruder.id)];
      for (const id of [invitation.id, 'nope']) {
        expectError(
          await svc.call('DELETE', `/api/v1/tenants/${intruder.id}/invitations/${id}`),
          404,
          'INVITATION_NOT_FOUND',
        );
      }
      expect((await svc.call('GET', `/api/v1/tenants/${intruder.id}/invitations`)).body).toEqual(
        [],
      );
      expect(await state(owner.id)).toEqual(ownerBefore);
      expect(await state(intruder.id)).toEqual(intruderBefore);
      expect((await accept(invitation.token)).status).toBe(200);
    });
  });

  it('409 TENANT_DELETED for every change on a deleted tenant, including accepting its invitation', async () => {
    const tenant = await createTenant();
    const member = await addMember(tenant.id, { email: email('m'), role: 'member' });
    const invitation = await invite(tenant.id, { email: email('i'), role: 'member' });
    expect((await svc.call('DELETE', `/api/v1/tenants/${tenant.id}`)).status).toBe(200);
    const before = await state(tenant.id);
    const base = `/api/v1/tenants/${tenant.id}`;
    for (const [method, path, body] of [
      ['POST', `${base}/members`, { email: email('n'), role: 'member' }],
      ['PATCH', `${base}/members/${member.id}`, { role: 'owner' }],
      ['DELETE', `${base}/members/${member.id}`, undefined],
      ['POST', `${base}/invitations`, { email: email('n'), role: 'member' }],
      ['DELETE', `${base}/invitations/${invitation.id}`, undefined],
      ['POST', '/api/v1/invitations/accept', { token: invitation.token }],
    ] as const) {
      expectError(await svc.call(method, path, { body }), 409, 'TENANT_DELETED');
    }
    expect(await state(tenant.id)).toEqual(before);
    expect((await svc.call('GET', `${base}/members`)).body).toEqual([member]);
  });
});
