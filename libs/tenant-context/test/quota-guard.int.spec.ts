import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BusNaming,
  Subjects,
  TENANT_ID_HEADER,
  type PlanLimits,
  type QuotaStatus,
  type UsageThresholdEvent,
} from '@tenantbus/contracts';
import {
  createTestBus,
  DirectoryStub,
  httpRequest,
  makeTenant,
  TEST_NATS_URL,
  waitFor,
  type TestBus,
} from '@tenantbus/testing';
import { JSONCodec, type Subscription } from 'nats';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { EnforceQuota, QuotaBalances, QuotaGuardModule, TenantContextModule } from '../src';

@Controller()
class MeteredController {
  @EnforceQuota('api.requests')
  @Get('metered')
  metered() {
    return { ok: true };
  }

  @EnforceQuota()
  @Get('rated')
  rated() {
    return { ok: true };
  }
}

const codec = JSONCodec<unknown>();
const PERIOD = { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' };

describe('QuotaGuard: 429 from cached balances and plan rate limits (real NATS)', () => {
  let bus: TestBus;
  let naming: BusNaming;
  let stub: DirectoryStub;
  let app: INestApplication;
  let port: number;
  const responders: Subscription[] = [];
  /** What the stand-in usage-service answers, per tenant. */
  const used = new Map<string, number>();
  const limits = new Map<string, PlanLimits>();
  const asked: string[] = [];
  const a = makeTenant();
  const b = makeTenant();

  const get = (path: string, apiKey: string) =>
    httpRequest<Record<string, unknown>>(port, path, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
  const status = (tenantId: string): QuotaStatus => {
    const limit = limits.get(tenantId)?.api_calls ?? null;
    const value = used.get(tenantId) ?? 0;
    return {
      meter: 'api.requests',
      used: value,
      limit,
      remaining: limit === null ? null : Math.max(0, limit - value),
      period: PERIOD,
    };
  };

  beforeAll(async () => {
    bus = await createTestBus('tb_quota');
    naming = new BusNaming(bus.prefix);
    stub = new DirectoryStub(bus.nc, naming);
    stub.add(a.entry, b.entry);
    const respond = (name: string, answer: (tenantId: string) => unknown) =>
      responders.push(
        bus.nc.subscribe(naming.subject(name), {
          callback: (_error, msg) => {
            const tenantId = msg.headers?.get(TENANT_ID_HEADER) ?? '';
            asked.push(`${name}:${tenantId}`);
            msg.respond(codec.encode(answer(tenantId)));
          },
        }),
      );
    respond(Subjects.usageCheck.name, status);
    respond(Subjects.usageLimits.name, (tenantId) => ({
      plan: 'free',
      limits: limits.get(tenantId) ?? {},
    }));
    @Module({
      imports: [
        TenantContextModule.forRoot({
          serviceName: 'metered',
          natsUrl: TEST_NATS_URL,
          busPrefix: bus.prefix,
        }),
        // A long TTL: only pushed updates may change a decision within this test.
        QuotaGuardModule.forRoot({ ttlMs: 60_000 }),
      ],
      controllers: [MeteredController],
    })
    class MeteredModule {}
    const moduleRef = await Test.createTestingModule({ imports: [MeteredModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
    responders.forEach((subscription) => subscription.unsubscribe());
    stub?.stop();
    await bus?.close();
  });

  const warm = async () => app.get(QuotaBalances).settled();

  it('answers 429 QUOTA_EXCEEDED once the cached balance is used up, without asking per request', async () => {
    limits.set(a.entry.id, { api_calls: 10, requests_per_second: 1_000 });
    used.set(a.entry.id, 10);
    // Cold cache: let through while the balance is fetched in the background.
    expect((await get('/metered', a.apiKey)).status).toBe(200);
    await warm();
    const refused = await get('/metered', a.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      details: { meter: 'api.requests', used: 10, limit: 10, period: PERIOD },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const asksBefore = asked.length;
    for (let i = 0; i < 5; i += 1) expect((await get('/metered', a.apiKey)).status).toBe(429);
    expect(asked.length).toBe(asksBefore);
    // Tenant B is not affected by A's balance.
    limits.set(b.entry.id, { api_calls: 10, requests_per_second: 1_000 });
    used.set(b.entry.id, 1);
    expect((await get('/metered', b.apiKey)).status).toBe(200);
    await warm();
    expect((await get('/metered', b.apiKey)).status).toBe(200);
  });

  it('blocks at once on a 100% threshold alert, before any refresh', async () => {
    used.set(b.entry.id, 3);
    expect((await get('/metered', b.apiKey)).status).toBe(200);
    const alert: UsageThresholdEvent = {
      id: randomUUID(),
      tenantId: b.entry.id,
      meter: 'api.requests',
      threshold: 100,
      used: 10,
      limit: 10,
      period: PERIOD,
      time: new Date().toISOString(),
    };
    bus.nc.publish(naming.subject(Subjects.usageThreshold.name), codec.encode(alert));
    await waitFor(async () =>
      (await get('/metered', b.apiKey)).status === 429 ? true : undefined,
    );
  });

  it('limits the request rate per tenant from the plan: 429 RATE_LIMITED', async () => {
    const c = makeTenant();
    stub.add(c.entry);
    limits.set(c.entry.id, { requests_per_second: 2 });
    expect((await get('/rated', c.apiKey)).status).toBe(200);
    await warm();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await get('/rated', c.apiKey)).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.slice(2)).toEqual([429, 429]);
    const limited = await get('/rated', c.apiKey);
    expect(limited.body).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limitPerSecond: 2 },
    });
    // Another tenant's bucket is untouched.
    expect((await get('/rated', a.apiKey)).status).toBe(200);
  });
});
