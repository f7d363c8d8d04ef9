import { AccountSubjects, BusNaming, USAGE_STREAM } from '@tenantbus/contracts';
import { ensureUsageStream } from '@tenantbus/tenant-context';
import type { FakeTenant } from '@tenantbus/testing';
import { readStream, waitFor } from '@tenantbus/testing';
import { JSONCodec } from 'nats';
import { CredentialsCipher, parseCredentialsKeys } from '../src/credentials/credentials.cipher';
import {
  createSyncWorld,
  KEY_1,
  startSyncService,
  type SyncService,
  type SyncWorld,
} from './sync-service.harness';

type Body = Record<string, unknown>;
const codec = JSONCodec<Record<string, unknown>>();
let sequence = 0;
const nextId = () => `acct-${Date.now()}-${(sequence += 1)}`;

describe('sync-service: accounts API (real Postgres + NATS)', () => {
  let world: SyncWorld;
  let svc: SyncService;
  const cipher = new CredentialsCipher(parseCredentialsKeys(KEY_1));

  beforeAll(async () => {
    world = await createSyncWorld();
    svc = await startSyncService(world);
  });

  afterAll(async () => {
    await svc?.close();
    await world?.close();
  });

  const create = async (tenant: FakeTenant, body: Body = {}) => {
    const res = await svc.call<Body>(tenant, 'POST', '/api/v1/accounts', {
      body: { account_id: nextId(), ...body },
    });
    expect(res.status).toBe(201);
    return res.body as Body & { account_id: string };
  };
  const row = async (tenantId: string, accountId: string) =>
    (
      await world.db.query<Record<string, unknown>>(
        'select * from account where tenant_id = $1 and account_id = $2',
        [tenantId, accountId],
      )
    )[0];
  const accounts = (tenantId: string) => world.rowsOf('account', tenantId);
  /** The stored credentials of an account, opened as its owner with `keys`. */
  const storedCredentials = async (
    tenantId: string,
    accountId: string,
    keys: CredentialsCipher = cipher,
  ) => {
    const stored = await row(tenantId, accountId);
    return keys.open(
      {
        keyId: stored.credentials_key_id as string,
        ciphertext: stored.credentials_ciphertext as string,
      },
      { tenantId, accountId },
    );
  };

  it('creates an account in the seed shape, credentials sealed at rest and never returned', async () => {
    const tenant = await world.tenant();
    const res = await svc.call<Body>(tenant, 'POST', '/api/v1/accounts', {
      body: {
        account_id: '310316675',
        customer_id: tenant.entry.id,
        airbnb_cookie: 'cookie-secret-1',
        x_airbnb_client_trace_id: 'trace-secret-1',
        x_client_version: 'v-secret-1',
        user_agent: 'ua-secret-1',
        is_active: true,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      account_id: '310316675',
      customer_id: tenant.entry.id,
      display_name: null,
      provider: 'simulated',
      is_active: true,
      has_credentials: true,
      sync_status: 'idle',
      last_sync_at: null,
      next_sync_at: expect.any(String),
      last_error: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      deleted_at: null,
    });
    const stored = await row(tenant.entry.id, '310316675');
    expect(stored.credentials_key_id).toBe('k1');
    expect(JSON.stringify(stored)).not.toMatch(/secret-1/);
    expect(await storedCredentials(tenant.entry.id, '310316675')).toEqual({
      airbnb_cookie: 'cookie-secret-1',
      x_airbnb_client_trace_id: 'trace-secret-1',
      x_client_version: 'v-secret-1',
      user_agent: 'ua-secret-1',
    });
    // Bound to its row: the same ciphertext does not open as another account's.
    expect(() =>
      cipher.open(
        { keyId: 'k1', ciphertext: stored.credentials_ciphertext as string },
        { tenantId: tenant.entry.id, accountId: 'other' },
      ),
    ).toThrow();
    const got = await svc.call<Body>(tenant, 'GET', '/api/v1/accounts/310316675');
    expect(got.body).toEqual(res.body);
  });

  it.each([
    ['a missing account_id', {}, 'account_id'],
    ['an account_id with a slash', { account_id: 'a/b' }, 'account_id'],
    ['an unknown field', { account_id: 'x1', password: 'p' }, 'password'],
    ['a customer_id that is not a uuid', { account_id: 'x1', customer_id: 'acme' }, 'customer_id'],
    [
      'credentials that are not strings',
      { account_id: 'x1', credentials: { n: 1 } },
      'credentials',
    ],
    ['an unknown provider', { account_id: 'x1', provider: 'ftp' }, 'provider'],
  ])('400 VALIDATION_FAILED for %s, and nothing written', async (_label, body, field) => {
    const tenant = await world.tenant();
    const res = await svc.call<Body>(tenant, 'POST', '/api/v1/accounts', { body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: expect.arrayContaining([expect.objectContaining({ field })]) },
    });
    expect(await accounts(tenant.entry.id)).toBe(0);
  });

  it('409 ACCOUNT_EXISTS for a duplicate in the same tenant; the same id is free in another', async () => {
    const [a, b] = [await world.tenant(), await world.tenant()];
    const created = await create(a, { display_name: 'first' });
    const again = await svc.call<Body>(a, 'POST', '/api/v1/accounts', {
      body: { account_id: created.account_id, display_name: 'second' },
    });
    expect([again.status, again.body.code]).toEqual([409, 'ACCOUNT_EXISTS']);
    expect((await row(a.entry.id, created.account_id)).display_name).toBe('first');
    const other = await svc.call<Body>(b, 'POST', '/api/v1/accounts', {
      body: { account_id: created.account_id },
    });
    expect(other.status).toBe(201);
    expect(other.body.customer_id).toBe(b.entry.id);
  });

  it('a tenant key cannot name another customer; an admin acts for any customer by customer_id', async () => {
    const [a, b] = [await world.tenant(), await world.tenant()];
    const forged = await svc.call<Body>(a, 'POST', '/api/v1/accounts', {
      body: { account_id: 'forged', customer_id: b.entry.id },
    });
    expect([forged.status, forged.body.code]).toEqual([403, 'CUSTOMER_MISMATCH']);
    expect(await accounts(b.entry.id)).toBe(0);
    const listed = await svc.call<Body>(a, 'GET', `/api/v1/accounts?customer_id=${b.entry.id}`);
    expect([listed.status, listed.body.code]).toEqual([403, 'CUSTOMER_MISMATCH']);
    const viaPath = await svc.call<Body>(a, 'GET', `/api/v1/customers/${b.entry.id}/accounts`);
    expect([viaPath.status, viaPath.body.code]).toEqual([403, 'CUSTOMER_MISMATCH']);

    const byAdmin = await svc.call<Body>('admin', 'POST', '/api/v1/accounts', {
      body: { account_id: 'by-admin', customer_id: b.entry.id },
    });
    expect([byAdmin.status, byAdmin.body.customer_id]).toEqual([201, b.entry.id]);
    const adminList = await svc.call<Body[]>(
      'admin',
      'GET',
      `/api/v1/accounts?customer_id=${b.entry.id}`,
    );
    expect(adminList.body.map((item) => item.account_id)).toEqual(['by-admin']);
    const noCustomer = await svc.call<Body>('admin', 'GET', '/api/v1/accounts');
    expect([noCustomer.status, noCustomer.body.code]).toEqual([401, 'TENANT_REQUIRED']);
  });

  it('lists by customer, active only (seed P3-27), also as /customers/:id/accounts', async () => {
    const tenant = await world.tenant();
    const active = await create(tenant);
    const inactive = await create(tenant, { is_active: false });
    const deleted = await create(tenant);
    await svc.call(tenant, 'DELETE', `/api/v1/accounts/${deleted.account_id}`);
    const ids = (res: { body: Body[] }) => res.body.map((item) => item.account_id);
    const all = await svc.call<Body[]>(
      tenant,
      'GET',
      `/api/v1/accounts?customer_id=${tenant.entry.id}`,
    );
    expect(ids(all)).toEqual([active.account_id, inactive.account_id]);
    const onlyActive = await svc.call<Body[]>(
      tenant,
      'GET',
      `/api/v1/accounts?customer_id=${tenant.entry.id}&active_only=true`,
    );
    expect(ids(onlyActive)).toEqual([active.account_id]);
    const customer = await svc.call<Body[]>(
      tenant,
      'GET',
      `/api/v1/customers/${tenant.entry.id}/accounts?active_only=true`,
    );
    expect(ids(customer)).toEqual([active.account_id]);
    const bad = await svc.call<Body>(tenant, 'GET', '/api/v1/accounts?active_only=maybe');
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('another tenant cannot see or touch an account: 404 on every route, nothing changed', async () => {
    const [owner, intruder] = [await world.tenant(), await world.tenant()];
    const account = await create(owner, { display_name: 'mine', airbnb_cookie: 'c' });
    const before = await row(owner.entry.id, account.account_id);
    const path = `/api/v1/accounts/${account.account_id}`;
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { display_name: 'stolen' }],
      ['DELETE', '', undefined],
      ['POST', '/sync', undefined],
      ['GET', '/metrics', undefined],
    ] as const) {
      const res = await svc.call<Body>(intruder, method, `${path}${suffix}`, { body });
      expect([method, suffix, res.status, res.body.code]).toEqual([
        method,
        suffix,
        404,
        'ACCOUNT_NOT_FOUND',
      ]);
    }
    expect((await svc.call<Body[]>(intruder, 'GET', '/api/v1/accounts')).body).toEqual([]);
    expect(await row(owner.entry.id, account.account_id)).toEqual(before);
  });

  it('PATCH changes fields and merges credentials; DELETE is a soft delete', async () => {
    const tenant = await world.tenant();
    const account = await create(tenant, { airbnb_cookie: 'c1', user_agent: 'ua1' });
    const path = `/api/v1/accounts/${account.account_id}`;
    const patched = await svc.call<Body>(tenant, 'PATCH', path, {
      body: { display_name: 'Beach house', is_active: false, airbnb_cookie: 'c2' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      display_name: 'Beach house',
      is_active: false,
      next_sync_at: null,
    });
    expect(await storedCredentials(tenant.entry.id, account.account_id)).toEqual({
      airbnb_cookie: 'c2',
      user_agent: 'ua1',
    });
    const inactive = await svc.call<Body>(tenant, 'POST', `${path}/sync`);
    expect([inactive.status, inactive.body.code]).toEqual([409, 'ACCOUNT_INACTIVE']);
    const removed = await svc.call<Body>(tenant, 'DELETE', path);
    expect(removed.status).toBe(200);
    expect(removed.body.deleted_at).toEqual(expect.any(String));
    expect((await svc.call<Body>(tenant, 'GET', path)).status).toBe(404);
    expect((await row(tenant.entry.id, account.account_id)).deleted_at).not.toBeNull();
  });

  it('403 ACCOUNT_LIMIT_REACHED over the plan limit; plan_changed raises it', async () => {
    const tenant = await world.tenant({ plan: 'free', limits: { sync_accounts: 2 } });
    // tenant.created provisioned the tenant's policy from its plan.
    expect(
      await world.db.query(
        'select plan_code, interval_ms, max_accounts, paused, stopped from sync_policy where tenant_id = $1',
        [tenant.entry.id],
      ),
    ).toEqual([
      { plan_code: 'free', interval_ms: 300, max_accounts: 2, paused: false, stopped: false },
    ]);
    await create(tenant);
    await create(tenant);
    const third = await svc.call<Body>(tenant, 'POST', '/api/v1/accounts', {
      body: { account_id: 'third' },
    });
    expect(third.status).toBe(403);
    expect(third.body).toMatchObject({
      code: 'ACCOUNT_LIMIT_REACHED',
      details: { limit: 2, current: 2 },
    });
    expect(await accounts(tenant.entry.id)).toBe(2);
    await world.lifecycle(tenant, 'tenant.plan_changed', {
      plan: 'pro',
      limits: { sync_accounts: 3 },
    });
    expect(
      await world.count('select interval_ms as n from sync_policy where tenant_id = $1', [
        tenant.entry.id,
      ]),
    ).toBe(300);
    await create(tenant, { account_id: 'third' });
    expect(await accounts(tenant.entry.id)).toBe(3);
  });

  it('a suspended tenant gets 403 at the edge; activated, it is served again', async () => {
    const tenant = await world.tenant();
    const account = await create(tenant);
    const suspended = await world.lifecycle(tenant, 'tenant.suspended', { status: 'suspended' });
    const refused = await svc.call<Body>(tenant, 'GET', `/api/v1/accounts/${account.account_id}`);
    expect([refused.status, refused.body.code]).toEqual([403, 'TENANT_SUSPENDED']);
    expect(await world.rowsOf('sync_policy', tenant.entry.id, 'paused')).toBe(1);
    await world.lifecycle(tenant, 'tenant.activated', { status: 'active' });
    const served = await svc.call<Body>(tenant, 'GET', `/api/v1/accounts/${account.account_id}`);
    expect(served.status).toBe(200);
    // A redelivered (older) suspension changes nothing: a later marker event proves it was seen.
    await world.publish(suspended);
    await world.lifecycle(tenant, 'tenant.updated');
    expect(await world.rowsOf('sync_policy', tenant.entry.id, 'not paused')).toBe(1);
    expect((await svc.call(tenant, 'GET', `/api/v1/accounts/${account.account_id}`)).status).toBe(
      200,
    );
  });

  describe('reassigning an account to another customer', () => {
    it('refuses customer_id null with 400 CUSTOMER_REQUIRED, and a tenant key with 403', async () => {
      const [a, b] = [await world.tenant(), await world.tenant()];
      const account = await create(a);
      const path = `/api/v1/accounts/${account.account_id}`;
      const nulled = await svc.call<Body>(a, 'PATCH', path, { body: { customer_id: null } });
      expect([nulled.status, nulled.body.code]).toEqual([400, 'CUSTOMER_REQUIRED']);
      const byKey = await svc.call<Body>(a, 'PATCH', path, { body: { customer_id: b.entry.id } });
      expect([byKey.status, byKey.body.code]).toEqual([403, 'ADMIN_REQUIRED']);
      const adminNull = await svc.call<Body>(
        'admin',
        'PATCH',
        `${path}?customer_id=${a.entry.id}`,
        {
          body: { customer_id: null },
        },
      );
      expect([adminNull.status, adminNull.body.code]).toEqual([400, 'CUSTOMER_REQUIRED']);
      expect(await row(a.entry.id, account.account_id)).toBeDefined();
      expect(await world.count('select count(*)::int as n from account_audit')).toBe(0);
    });

    it('moves the account with its metrics and credentials, audits it and publishes an event', async () => {
      const [a, b] = [await world.tenant(), await world.tenant()];
      const account = await create(a, { airbnb_cookie: 'moving-cookie' });
      await world.db.query(
        `insert into metric_point (tenant_id, account_id, metric, time, value)
         values ($1, $2, 'home_page_views', '2025-01-01', 10), ($1, $2, 'visitors_views', '2025-01-01', 5)`,
        [a.entry.id, account.account_id],
      );
      const events: Record<string, unknown>[] = [];
      const subscription = world.bus.nc.subscribe(
        new BusNaming(world.bus.prefix).subject(AccountSubjects.reassigned.name),
        { callback: (_error, msg) => events.push(codec.decode(msg.data)) },
      );
      const res = await svc.call<Body>(
        'admin',
        'PATCH',
        `/api/v1/accounts/${account.account_id}?customer_id=${a.entry.id}`,
        { body: { customer_id: b.entry.id, display_name: 'moved' } },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        account_id: account.account_id,
        customer_id: b.entry.id,
        display_name: 'moved',
        has_credentials: true,
      });
      expect((await svc.call(a, 'GET', `/api/v1/accounts/${account.account_id}`)).status).toBe(404);
      expect((await svc.call(b, 'GET', `/api/v1/accounts/${account.account_id}`)).status).toBe(200);
      expect(await world.rowsOf('metric_point', b.entry.id)).toBe(2);
      expect(await world.rowsOf('metric_point', a.entry.id)).toBe(0);
      expect(await storedCredentials(b.entry.id, account.account_id)).toEqual({
        airbnb_cookie: 'moving-cookie',
      });
      const audit = await world.db.query<Record<string, unknown>>(
        'select tenant_id, account_id, action, old_customer_id, new_customer_id, actor from account_audit',
      );
      expect(audit).toEqual([
        {
          tenant_id: b.entry.id,
          account_id: account.account_id,
          action: 'customer_reassigned',
          old_customer_id: a.entry.id,
          new_customer_id: b.entry.id,
          actor: 'admin:ops',
        },
      ]);
      const trail = await svc.call<Body[]>(
        b,
        'GET',
        `/api/v1/accounts/${account.account_id}/audit`,
      );
      expect(trail.body).toMatchObject([
        { event: 'customer_reassigned', old_customer_id: a.entry.id, new_customer_id: b.entry.id },
      ]);
      await waitFor(() => events.length === 1, { what: 'accounts.reassigned' });
      subscription.unsubscribe();
      expect(events[0]).toMatchObject({
        type: 'accounts.reassigned',
        accountId: account.account_id,
        fromTenantId: a.entry.id,
        toTenantId: b.entry.id,
        actor: 'admin:ops',
      });
    });

    it('bulk-assign is admin only and all or nothing', async () => {
      const [a, b] = [await world.tenant(), await world.tenant()];
      const [one, two] = [await create(a), await create(a)];
      const path = `/api/v1/customers/${b.entry.id}/accounts/bulk-assign`;
      const body = { from_customer_id: a.entry.id, account_ids: [one.account_id, two.account_id] };
      const byKey = await svc.call<Body>(b, 'POST', path, { body });
      expect([byKey.status, byKey.body.code]).toEqual([403, 'ADMIN_REQUIRED']);
      const partial = await svc.call<Body>('admin', 'POST', path, {
        body: { ...body, account_ids: [one.account_id, 'missing'] },
      });
      expect(partial.status).toBe(404);
      expect(partial.body).toMatchObject({
        code: 'ACCOUNT_NOT_FOUND',
        details: { account_ids: ['missing'] },
      });
      expect(await accounts(a.entry.id)).toBe(2);
      const same = await svc.call<Body>('admin', 'POST', path, {
        body: { ...body, from_customer_id: b.entry.id },
      });
      expect([same.status, same.body.code]).toEqual([400, 'REASSIGN_SAME_CUSTOMER']);
      const moved = await svc.call<Body>('admin', 'POST', path, { body });
      expect(moved.status).toBe(200);
      expect(moved.body).toEqual({
        customer_id: b.entry.id,
        account_ids: [one.account_id, two.account_id].sort(),
      });
      expect([await accounts(a.entry.id), await accounts(b.entry.id)]).toEqual([0, 2]);
      const back = await svc.call<Body>('admin', 'POST', path, { body });
      expect([back.status, back.body.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
    });
  });

  it('purge erases every row of the tenant in every table; the other tenant keeps all of its rows', async () => {
    const [gone, kept] = [await world.tenant(), await world.tenant()];
    for (const tenant of [gone, kept]) {
      const account = await create(tenant, { airbnb_cookie: 'c' });
      await world.db.query(
        `insert into metric_point (tenant_id, account_id, metric, time, value) values ($1, $2, 'home_page_views', now(), 1)`,
        [tenant.entry.id, account.account_id],
      );
      await world.db.query(
        `insert into account_audit (tenant_id, id, account_id, action, old_customer_id, new_customer_id, actor)
         values ($1, gen_random_uuid(), $2, 'customer_reassigned', $1, $1, 'test')`,
        [tenant.entry.id, account.account_id],
      );
      // An event already published (the relay leaves it alone): purge erases the log too.
      await world.db.query(
        `insert into outbox (event_id, tenant_id, subject, payload, headers, published_at)
         values (gen_random_uuid(), $1, 'published', '{}', '{}', now())`,
        [tenant.entry.id],
      );
    }
    const tables = (
      await world.db.query<{ table_name: string }>(
        `select table_name from information_schema.columns
          where table_schema = 'public' and column_name = 'tenant_id' and table_name <> 'tenant_state'`,
      )
    ).map((t) => t.table_name);
    expect(tables.sort()).toEqual([
      'account',
      'account_audit',
      'metric_point',
      'outbox',
      'sync_policy',
    ]);
    const rowsOf = async (tenantId: string) => {
      const counts: Record<string, number> = {};
      for (const table of tables) counts[table] = await world.rowsOf(table, tenantId);
      return counts;
    };
    const keptBefore = await rowsOf(kept.entry.id);
    expect(Object.values(await rowsOf(gone.entry.id)).every((n) => n > 0)).toBe(true);
    await world.lifecycle(gone, 'tenant.deleted', { status: 'deleted' });
    expect(await world.rowsOf('sync_policy', gone.entry.id, 'stopped')).toBe(1);
    await world.lifecycle(gone, 'tenant.purged', { status: 'deleted' });
    expect(await rowsOf(gone.entry.id)).toEqual({
      account: 0,
      account_audit: 0,
      metric_point: 0,
      outbox: 0,
      sync_policy: 0,
    });
    // The kept tenant's API calls above may still add its api.requests usage row meanwhile.
    const keptAfter = await rowsOf(kept.entry.id);
    expect(keptAfter).toEqual({ ...keptBefore, outbox: keptAfter.outbox });
    expect(keptAfter.outbox).toBeGreaterThanOrEqual(keptBefore.outbox);
  });

  it('key rotation: old keys still open, writes re-seal lazily, the admin route re-seals the rest', async () => {
    const tenant = await world.tenant();
    const [lazy, bulk] = [
      await create(tenant, { airbnb_cookie: 'lazy' }),
      await create(tenant, { airbnb_cookie: 'bulk' }),
    ];
    const rotated = await startSyncService(world, {
      CREDENTIALS_KEYS: `k2:${Buffer.alloc(32, 7).toString('base64')},${KEY_1}`,
    });
    try {
      const keyOf = async (id: string) => (await row(tenant.entry.id, id)).credentials_key_id;
      const patched = await rotated.call<Body>(
        tenant,
        'PATCH',
        `/api/v1/accounts/${lazy.account_id}`,
        {
          body: { display_name: 'touched' },
        },
      );
      expect(patched.status).toBe(200);
      expect([await keyOf(lazy.account_id), await keyOf(bulk.account_id)]).toEqual(['k2', 'k1']);
      const byKey = await rotated.call<Body>(
        tenant,
        'POST',
        '/api/v1/admin/credentials/re-encrypt',
      );
      expect([byKey.status, byKey.body.code]).toEqual([403, 'ADMIN_REQUIRED']);
      const res = await rotated.call<Body>('admin', 'POST', '/api/v1/admin/credentials/re-encrypt');
      expect(res.status).toBe(200);
      expect(res.body.active_key_id).toBe('k2');
      expect(res.body.reencrypted).toBeGreaterThanOrEqual(1);
      expect(
        await world.count(`select count(*)::int as n from account where credentials_key_id = 'k1'`),
      ).toBe(0);
      const k2 = new CredentialsCipher(
        parseCredentialsKeys(`k2:${Buffer.alloc(32, 7).toString('base64')}`),
      );
      expect(await storedCredentials(tenant.entry.id, bulk.account_id, k2)).toEqual({
        airbnb_cookie: 'bulk',
      });
    } finally {
      await rotated.close();
    }
  });

  it('usage publishing that fails never fails the request: the outbox keeps it, the relay retries', async () => {
    const tenant = await world.tenant();
    const stream = new BusNaming(world.bus.prefix).stream(USAGE_STREAM);
    const jsm = await world.bus.nc.jetstreamManager();
    await jsm.streams.delete(stream);
    const failures = async () => {
      const text = (await svc.call<string>('anonymous', 'GET', '/metrics')).body;
      return Number(/outbox_publish_failures_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    try {
      const res = await svc.call<Body[]>(tenant, 'GET', '/api/v1/accounts');
      expect(res.status).toBe(200);
      await waitFor(async () => (await failures()) > 0, { what: 'a counted publish failure' });
      expect(
        await world.count(
          'select count(*)::int as n from outbox where published_at is null and tenant_id = $1',
          [tenant.entry.id],
        ),
      ).toBe(1);
    } finally {
      await ensureUsageStream(world.bus.nc, new BusNaming(world.bus.prefix));
    }
    // The count was kept: once the stream is back, the tenant's request is published after all.
    const events = await waitFor(
      async () => {
        const stored = await readStream(world.bus.nc, stream, 0);
        const mine = stored.filter((message) => message.headers['x-tenant-id'] === tenant.entry.id);
        return mine.length ? mine : undefined;
      },
      { what: 'the kept api.requests count' },
    );
    expect(events[0].data).toMatchObject({ type: 'api.requests', data: { value: 1 } });
  });
});
