import { MikroOrmModule } from '@mikro-orm/nestjs';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BusNaming, type TenantLifecycleEvent } from '@tenantbus/contracts';
import {
  createTestBus,
  lifecycleEvent,
  makeTenant,
  TEST_NATS_URL,
  waitFor,
  type TestBus,
  type TestDatabase,
} from '@tenantbus/testing';
import { headers as natsHeaders, JSONCodec } from 'nats';
import {
  ensureTenantEventsStream,
  parseAdminTokens,
  OnTenantLifecycle,
  TENANT_STATE_TABLE_SQL,
  TenantContext,
  TenantContextModule,
  TenantLifecycleModule,
  TenantOrmModule,
  TenantState,
  type TenantLifecycleListener,
  type TenantStateSnapshot,
} from '../src';
import { createFixtureDatabase, fixtureOrmOptions } from './fixtures.db';
import { Part, Widget } from './fixtures.entities';

const ADMIN_TOKEN = 'lifecycle-admin-token-0123456789';

interface Call {
  readonly type: string;
  readonly version: number;
  readonly previousVersion?: number;
  readonly isSystem: boolean;
}

describe('TenantLifecycleModule: tenant state projected once per version, listeners in one transaction (real NATS + Postgres)', () => {
  let db: TestDatabase;
  let bus: TestBus;
  let app: INestApplication;
  const calls: Call[] = [];
  /** Event ids whose first delivery the listener fails, to prove the state is not advanced. */
  const failOnce = new Set<string>();
  const codec = JSONCodec<unknown>();

  @OnTenantLifecycle()
  @Injectable()
  class RecordingListener implements TenantLifecycleListener {
    constructor(
      private readonly em: EntityManager,
      private readonly context: TenantContext,
    ) {}

    async onTenantEvent(event: TenantLifecycleEvent, previous: TenantStateSnapshot | null) {
      if (failOnce.delete(event.id)) throw new Error('listener failed once');
      calls.push({
        type: event.type,
        version: event.data.entry.version,
        previousVersion: previous?.version,
        isSystem: this.context.isSystem,
      });
      if (event.type === 'tenant.purged') {
        await this.em.nativeDelete(Widget, { tenantId: event.tenantId });
      }
    }
  }

  const publish = async (event: TenantLifecycleEvent) => {
    const headers = natsHeaders();
    await bus.nc
      .jetstream()
      .publish(new BusNaming(bus.prefix).subject(event.type), codec.encode(event), { headers });
  };
  const stateOf = async (tenantId: string) =>
    (
      await db.query<{ version: number; status: string; limits: unknown; purged_at: Date | null }>(
        'select version, status, limits, purged_at from tenant_state where tenant_id = $1',
        [tenantId],
      )
    )[0];
  const callsFor = (version: number, type: string) =>
    calls.filter((call) => call.version === version && call.type === type);

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_life');
    db = fixture.db;
    await db.query(TENANT_STATE_TABLE_SQL);
    await db.query(
      `grant select, insert, update, delete on tenant_state to "${db.appRole}", "${db.systemRole}"`,
    );
    bus = await createTestBus('tb_life');
    await ensureTenantEventsStream(bus.nc, new BusNaming(bus.prefix));

    @Module({
      imports: [
        TenantContextModule.forRoot({
          serviceName: 'follower',
          natsUrl: TEST_NATS_URL,
          busPrefix: bus.prefix,
          adminTokens: parseAdminTokens(`ops:${ADMIN_TOKEN}`),
        }),
        MikroOrmModule.forRoot({
          ...fixtureOrmOptions(fixture, { entities: [Widget, Part, TenantState] }),
          registerRequestContext: false,
        }),
        TenantOrmModule.forRoot(),
        TenantLifecycleModule.forRoot({ durable: 'follower-lifecycle' }),
      ],
      providers: [RecordingListener],
    })
    class FollowerModule {}

    const moduleRef = await Test.createTestingModule({ imports: [FollowerModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await bus?.close();
    await db?.drop();
  });

  it('records a new tenant with its plan limits and calls listeners in system scope', async () => {
    const tenant = makeTenant();
    await publish(lifecycleEvent(tenant, 'tenant.created', { limits: { accounts: 5 } }));
    await waitFor(async () => (await stateOf(tenant.entry.id))?.version === 1);
    expect(await stateOf(tenant.entry.id)).toMatchObject({
      status: 'active',
      limits: { accounts: 5 },
    });
    expect(callsFor(1, 'tenant.created')).toEqual([
      { type: 'tenant.created', version: 1, previousVersion: undefined, isSystem: true },
    ]);
  });

  it('applies a redelivered or duplicated event once, and ignores an older one after a newer', async () => {
    const tenant = makeTenant();
    const created = lifecycleEvent(tenant, 'tenant.created');
    const suspended = lifecycleEvent(tenant, 'tenant.suspended', {
      version: 2,
      status: 'suspended',
    });
    await publish(created);
    await publish(suspended);
    await publish(created);
    await publish(suspended);
    const marker = lifecycleEvent(tenant, 'tenant.activated', { version: 3 });
    await publish(marker);
    await waitFor(async () => (await stateOf(tenant.entry.id))?.version === 3);
    expect(callsFor(2, 'tenant.suspended')).toHaveLength(1);
    expect(callsFor(2, 'tenant.suspended')[0].previousVersion).toBe(1);
    expect(callsFor(3, 'tenant.activated')[0].previousVersion).toBe(2);
    expect((await stateOf(tenant.entry.id)).status).toBe('active');
  });

  it('does not advance the state when a listener fails; the redelivery applies it once', async () => {
    const tenant = makeTenant();
    await publish(lifecycleEvent(tenant, 'tenant.created', { version: 7 }));
    await waitFor(async () => (await stateOf(tenant.entry.id))?.version === 7);
    const planChanged = lifecycleEvent(tenant, 'tenant.plan_changed', {
      version: 8,
      plan: 'pro',
      limits: { accounts: 50 },
    });
    failOnce.add(planChanged.id);
    await publish(planChanged);
    await waitFor(async () => (await stateOf(tenant.entry.id))?.version === 8, {
      timeoutMs: 15_000,
    });
    expect(failOnce.has(planChanged.id)).toBe(false);
    expect(callsFor(8, 'tenant.plan_changed')).toHaveLength(1);
    expect((await stateOf(tenant.entry.id)).limits).toEqual({ accounts: 50 });
  });

  it('lets a purge listener erase the tenant rows across RLS, and marks the state purged', async () => {
    const tenant = makeTenant();
    const other = makeTenant();
    for (const id of [tenant.entry.id, other.entry.id]) {
      await db.query(
        `insert into widget (tenant_id, id, name) values ($1, gen_random_uuid(), 'w')`,
        [id],
      );
    }
    await publish(lifecycleEvent(tenant, 'tenant.created', { version: 20 }));
    await publish(lifecycleEvent(tenant, 'tenant.purged', { version: 21, status: 'deleted' }));
    await waitFor(async () => (await stateOf(tenant.entry.id))?.version === 21);
    expect((await stateOf(tenant.entry.id)).purged_at).not.toBeNull();
    const widgets = await db.query<{ tenant_id: string }>('select tenant_id from widget');
    expect(widgets.filter((row) => row.tenant_id === tenant.entry.id)).toHaveLength(0);
    expect(widgets.filter((row) => row.tenant_id === other.entry.id)).toHaveLength(1);
  });

  it('shows an operator what this service knows of a tenant (admin only)', async () => {
    const tenant = makeTenant();
    await publish(lifecycleEvent(tenant, 'tenant.created', { version: 4, limits: { seats: 3 } }));
    await waitFor(async () => (await stateOf(tenant.entry.id))?.version === 4);
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const get = (id: string, token?: string) =>
      fetch(`http://127.0.0.1:${port}/api/v1/admin/tenants/${id}/state`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    const res = await get(tenant.entry.id, ADMIN_TOKEN);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      tenantId: tenant.entry.id,
      status: 'active',
      version: 4,
      limits: { seats: 3 },
      purgedAt: null,
    });
    expect((await get(tenant.entry.id)).status).toBe(401);
    expect((await get(makeTenant().entry.id, ADMIN_TOKEN)).status).toBe(404);
    expect((await get('not-a-uuid', ADMIN_TOKEN)).status).toBe(400);
  });
});
