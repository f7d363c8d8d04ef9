import { Body, Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BusNaming } from '@tenantbus/contracts';
import {
  createTestBus,
  DirectoryStub,
  httpRequest,
  makeTenant,
  TEST_NATS_URL,
  type TestBus,
} from '@tenantbus/testing';
import type { AddressInfo } from 'node:net';
import { PublicRoute, SystemScoped, TenantContext, TenantContextModule } from '../src';

@Controller()
class ProbeController {
  constructor(private readonly context: TenantContext) {}

  @Get('whoami')
  whoami() {
    return {
      tenantId: this.context.tenantId,
      actor: this.context.actor,
      correlationId: this.context.correlationId,
    };
  }

  @Post('whoami')
  touch(@Body() body: unknown) {
    return { tenantId: this.context.tenantId, body };
  }

  @PublicRoute()
  @Get('health')
  health() {
    return { ok: true, tenantId: this.context.maybeTenantId ?? null };
  }

  @SystemScoped('test: cross-tenant admin view')
  @Get('admin/scope')
  admin() {
    return { system: this.context.isSystem, actor: this.context.actor };
  }
}

const ADMIN_SECRET = 'admin-secret-0123456789';

describe('HTTP edge: resolving the tenant (real NATS directory)', () => {
  let bus: TestBus;
  let stub: DirectoryStub;
  let app: INestApplication;
  let port: number;
  const a = makeTenant({ domains: ['shop.acme.example'] });
  const b = makeTenant();
  const suspended = makeTenant({ status: 'suspended' });
  const deleted = makeTenant({ status: 'deleted' });
  const member = makeTenant();
  /** The same kind of tenant, its key limited to reading. */
  const readOnly = {
    ...member,
    entry: { ...member.entry, apiKeys: [{ ...member.entry.apiKeys[0], role: 'read_only' }] },
  };

  const get = (path: string, headers: Record<string, string> = {}) =>
    httpRequest<Record<string, unknown>>(port, path, {
      headers: { host: 'tenantbus.test', ...headers },
    });

  beforeAll(async () => {
    bus = await createTestBus('tb_http');
    stub = new DirectoryStub(bus.nc, new BusNaming(bus.prefix));
    stub.add(a.entry, b.entry, suspended.entry, deleted.entry, readOnly.entry);
    @Module({
      imports: [
        TenantContextModule.forRoot({
          serviceName: 'probe',
          natsUrl: TEST_NATS_URL,
          busPrefix: bus.prefix,
          baseDomain: 'tenantbus.test',
          adminTokens: [{ id: 'ops', secret: ADMIN_SECRET, kind: 'admin' }],
        }),
      ],
      controllers: [ProbeController],
    })
    class ProbeModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
    stub?.stop();
    await bus?.close();
  });

  it('API key of tenant A (x-api-key or Bearer) → context A with the key as actor', async () => {
    for (const headers of [
      { 'x-api-key': a.apiKey },
      { authorization: `Bearer ${a.apiKey}` },
    ] as Record<string, string>[]) {
      const res = await get('/whoami', headers);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        tenantId: a.entry.id,
        actor: { kind: 'api_key', id: a.entry.apiKeys[0].id },
      });
    }
  });

  it('subdomain and custom domain select the tenant for an authenticated caller', async () => {
    const admin = { authorization: `Bearer ${ADMIN_SECRET}` };
    const sub = await get('/whoami', { host: `${b.entry.slug}.tenantbus.test`, ...admin });
    expect(sub.body).toMatchObject({ tenantId: b.entry.id });
    const custom = await get('/whoami', { host: 'shop.acme.example:8080', 'x-api-key': a.apiKey });
    expect(custom.body).toMatchObject({ tenantId: a.entry.id });
  });

  it('the host never authenticates: without a valid credential it is a 401, and unknown hosts tell nothing', async () => {
    const attempts: Record<string, string>[] = [
      { host: `${b.entry.slug}.tenantbus.test` },
      { host: 'shop.acme.example' },
      { host: 'nobody.tenantbus.test' },
      { host: `${b.entry.slug}.tenantbus.test`, authorization: 'Bearer not-a-credential-at-all' },
    ];
    for (const headers of attempts) {
      const res = await get('/whoami', headers);
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain(b.entry.id);
    }
  });

  it('x-tenant-id from an unauthenticated caller is refused, never trusted', async () => {
    const res = await get('/whoami', { 'x-tenant-id': a.entry.id });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'AUTHENTICATION_REQUIRED' });
    const withKey = await get('/whoami', { 'x-api-key': b.apiKey, 'x-tenant-id': a.entry.id });
    expect(withKey.status).toBe(403);
    expect(withKey.body).toMatchObject({ code: 'TENANT_HEADER_FORBIDDEN' });
  });

  it('x-tenant-id is honoured for an admin caller', async () => {
    const res = await get('/whoami', {
      authorization: `Bearer ${ADMIN_SECRET}`,
      'x-tenant-id': b.entry.id,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenantId: b.entry.id, actor: { kind: 'admin', id: 'ops' } });
  });

  it('unknown tenant → 404, suspended → 403, deleted → 404, bad key → 401, nothing → 401', async () => {
    const unknown = await get('/whoami', {
      host: 'nobody.tenantbus.test',
      authorization: `Bearer ${ADMIN_SECRET}`,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'TENANT_NOT_FOUND', message: 'Tenant not found' });
    expect((await get('/whoami', { 'x-api-key': suspended.apiKey })).body).toMatchObject({
      code: 'TENANT_SUSPENDED',
    });
    expect((await get('/whoami', { 'x-api-key': suspended.apiKey })).status).toBe(403);
    expect((await get('/whoami', { 'x-api-key': deleted.apiKey })).status).toBe(404);
    const forged = a.apiKey.slice(0, -4) + 'AAAA';
    expect((await get('/whoami', { 'x-api-key': forged })).status).toBe(401);
    expect((await get('/whoami', { 'x-api-key': 'tb_nonsense' })).status).toBe(401);
    const none = await get('/whoami');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'AUTHENTICATION_REQUIRED' });
    const noTenant = await get('/whoami', { authorization: `Bearer ${ADMIN_SECRET}` });
    expect([noTenant.status, noTenant.body.code]).toEqual([401, 'TENANT_REQUIRED']);
  });

  it('a key of one tenant on another tenant host is a mismatch', async () => {
    const res = await get('/whoami', {
      host: `${b.entry.slug}.tenantbus.test`,
      'x-api-key': a.apiKey,
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'TENANT_MISMATCH' });
  });

  it('public routes need no tenant; system routes need an admin credential', async () => {
    expect((await get('/health')).body).toEqual({ ok: true, tenantId: null });
    expect((await get('/admin/scope', { 'x-api-key': a.apiKey })).status).toBe(403);
    // A key that is no key is a 401 here too, not "valid but not enough".
    const forged = a.apiKey.slice(0, -4) + 'AAAA';
    expect((await get('/admin/scope', { 'x-api-key': forged })).status).toBe(401);
    expect((await get('/admin/scope')).status).toBe(401);
    const admin = await get('/admin/scope', { authorization: `Bearer ${ADMIN_SECRET}` });
    expect(admin.body).toMatchObject({ system: true, actor: { kind: 'admin', id: 'ops' } });
  });

  it('keeps the caller correlation id and resolves from the local cache, not per request', async () => {
    const res = await get('/whoami', { 'x-api-key': a.apiKey, 'x-correlation-id': 'req-abc-123' });
    expect(res.body).toMatchObject({ correlationId: 'req-abc-123' });
    const before = stub.lookups.length;
    for (let i = 0; i < 20; i += 1) await get('/whoami', { 'x-api-key': a.apiKey });
    expect(stub.lookups.length).toBe(before);
  });

  it('a read-only key reads but may not write (403 API_KEY_READ_ONLY)', async () => {
    expect((await get('/whoami', { 'x-api-key': readOnly.apiKey })).status).toBe(200);
    const post = (key: string) =>
      httpRequest<Record<string, unknown>>(port, '/whoami', {
        method: 'POST',
        headers: { host: 'tenantbus.test', 'x-api-key': key },
        body: { any: 'thing' },
      });
    const refused = await post(readOnly.apiKey);
    expect([refused.status, refused.body.code]).toEqual([403, 'API_KEY_READ_ONLY']);
    expect((await post(a.apiKey)).status).toBe(201);
  });

  it('text no database can store, and absurd nesting, are a 400 wherever they are', async () => {
    const key = { 'x-api-key': a.apiKey };
    const inQuery = await get('/whoami?q=a%00b', key);
    expect([inQuery.status, inQuery.body.code]).toEqual([400, 'TEXT_UNSTORABLE']);
    const send = (body: unknown) =>
      httpRequest<Record<string, unknown>>(port, '/whoami', {
        method: 'POST',
        headers: { host: 'tenantbus.test', ...key },
        body,
      });
    const deep = JSON.parse(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`) as unknown;
    for (const [body, code] of [
      [{ name: 'x\ud800y' }, 'TEXT_UNSTORABLE'],
      [{ 'x\u0000': 1 }, 'TEXT_UNSTORABLE'],
      [{ deep }, 'INPUT_TOO_DEEP'],
    ] as const) {
      const res = await send(body);
      expect([res.status, res.body.code]).toEqual([400, code]);
    }
  });

  it('a suspension announced by a lifecycle event takes effect without a restart', async () => {
    expect((await get('/whoami', { 'x-api-key': b.apiKey })).status).toBe(200);
    await stub.change(b.entry.id, 'tenant.suspended', { status: 'suspended' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await get('/whoami', { 'x-api-key': b.apiKey })).status).toBe(403);
  });
});
