import type { INestApplication } from '@nestjs/common';
import {
  BusNaming,
  type PlanLimits,
  type TenantLifecycleEvent,
  type TenantLifecycleType,
} from '@tenantbus/contracts';
import { migrateDatabase } from '@tenantbus/tenant-context';
import {
  createTestBus,
  createTestDatabase,
  DirectoryStub,
  httpRequest,
  listenTestApp,
  lifecycleEvent,
  makeTenant,
  TEST_NATS_URL,
  waitFor,
  type FakeTenant,
  type HttpResult,
  type TestBus,
  type TestDatabase,
} from '@tenantbus/testing';
import { JSONCodec } from 'nats';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { SyncServiceConfigSchema, type SyncServiceConfig } from '../src/config/sync-service.config';
import { ormOptions } from '../src/database/mikro-orm.options';

export const ADMIN_TOKEN = 'sync-test-admin-token-0123456789';
export const KEY_1 = `k1:${randomBytes(32).toString('base64')}`;
const codec = JSONCodec<unknown>();

/** Who calls: a tenant (its API key), the admin token, or nobody. */
export type Caller = FakeTenant | 'admin' | 'anonymous';

export interface TenantOptions {
  readonly plan?: string;
  readonly limits?: PlanLimits;
}

/** The world one test file shares: a fresh database, bus prefix and directory stub. */
export interface SyncWorld {
  readonly db: TestDatabase;
  readonly bus: TestBus;
  readonly stub: DirectoryStub;
  /** A fresh tenant, known to the directory and announced with `tenant.created` (applied). */
  tenant(options?: TenantOptions): Promise<FakeTenant>;
  /**
   * Announces a lifecycle change like the tenant-service would (next version, whole snapshot)
   * and waits until the sync-service applied it.
   */
  lifecycle(
    tenant: FakeTenant,
    type: TenantLifecycleType,
    change?: { status?: FakeTenant['entry']['status'] } & TenantOptions,
  ): Promise<TenantLifecycleEvent>;
  /** Publishes an event as it is (redelivery, duplicates), without waiting for anything. */
  publish(event: TenantLifecycleEvent): Promise<void>;
  count(sql: string, params?: unknown[]): Promise<number>;
  /** Rows of `table` owned by the tenant (and matching `condition`, trusted SQL), as the owner. */
  rowsOf(table: string, tenantId: string, condition?: string): Promise<number>;
  close(): Promise<void>;
}

export interface SyncService {
  readonly app: INestApplication;
  readonly config: SyncServiceConfig;
  call<T = Record<string, unknown>>(
    as: Caller,
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

const limitsOf = new WeakMap<FakeTenant, { plan: string; limits: PlanLimits }>();

export async function createSyncWorld(): Promise<SyncWorld> {
  const db = await createTestDatabase('tb_sync');
  const bus = await createTestBus('tb_sync');
  const roles = { appRole: db.appRole, systemRole: db.systemRole };
  await migrateDatabase(ormOptions(db.ownerUrl, db.systemRole), roles, { log: () => undefined });
  const naming = new BusNaming(bus.prefix);
  const stub = new DirectoryStub(bus.nc, naming);
  const count = async (sql: string, params: unknown[] = []) =>
    (await db.query<{ n: number }>(sql, params))[0].n;
  // Published durably, as the tenant-service's outbox relay does (the stream exists once a
  // sync-service started; tests start one before making tenants).
  const publish = async (event: TenantLifecycleEvent) => {
    await bus.nc.jetstream().publish(naming.subject(event.type), codec.encode(event));
  };
  const announce = async (tenant: FakeTenant, type: TenantLifecycleType) => {
    const { plan, limits } = limitsOf.get(tenant)!;
    const event = lifecycleEvent(tenant, type, { plan, limits });
    await publish(event);
    await waitFor(
      async () =>
        (await count(
          'select count(*)::int as n from tenant_state where tenant_id = $1 and version >= $2',
          [tenant.entry.id, tenant.entry.version],
        )) === 1,
      { timeoutMs: 10_000, what: `${type} applied` },
    );
    return event;
  };
  return {
    db,
    bus,
    stub,
    count,
    rowsOf: (table, tenantId, condition = 'true') =>
      count(`select count(*)::int as n from ${table} where tenant_id = $1 and ${condition}`, [
        tenantId,
      ]),
    async tenant(options = {}) {
      const tenant = makeTenant({ plan: options.plan ?? 'pro' });
      limitsOf.set(tenant, {
        plan: tenant.entry.plan,
        limits: options.limits ?? { sync_accounts: 50 },
      });
      stub.add(tenant.entry);
      await announce(tenant, 'tenant.created');
      return tenant;
    },
    async lifecycle(tenant, type, change = {}) {
      const current = limitsOf.get(tenant)!;
      const entry = {
        ...tenant.entry,
        status: change.status ?? tenant.entry.status,
        plan: change.plan ?? tenant.entry.plan,
        version: tenant.entry.version + 1,
      };
      Object.assign(tenant, { entry });
      limitsOf.set(tenant, { plan: entry.plan, limits: change.limits ?? current.limits });
      stub.add(entry);
      return announce(tenant, type);
    },
    publish,
    async close() {
      stub.stop();
      await bus.close();
      await db.drop();
    },
  };
}

/** The settings that put a sync-service on the world's database and bus, as the app role. */
export function worldEnv(world: SyncWorld): Record<string, string> {
  return {
    DATABASE_URL: world.db.appUrl,
    DB_APP_ROLE: world.db.appRole,
    DB_SYSTEM_ROLE: world.db.systemRole,
    NATS_URL: TEST_NATS_URL,
    BUS_PREFIX: world.bus.prefix,
    ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
    CREDENTIALS_KEYS: KEY_1,
  };
}

/** One sync-service instance on the world's database and bus; `env` overrides configuration. */
export async function startSyncService(
  world: SyncWorld,
  env: Record<string, string> = {},
): Promise<SyncService> {
  const config = SyncServiceConfigSchema.parse({
    ...worldEnv(world),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SYNC_SCHEDULER_ENABLED: 'false',
    SYNC_TICK_MS: '50',
    SYNC_PLAN_INTERVALS_MS: 'free:300,pro:300,enterprise:300',
    SYNC_RETRY_BASE_MS: '100',
    USAGE_FLUSH_MS: '100',
    ...env,
  });
  const { app, port } = await listenTestApp(AppModule.forRoot(config));
  return {
    app,
    config,
    call(as, method, path, options = {}) {
      const auth: Record<string, string> =
        as === 'anonymous'
          ? {}
          : { authorization: `Bearer ${as === 'admin' ? ADMIN_TOKEN : as.apiKey}` };
      return httpRequest(port, path, {
        method,
        body: options.body,
        headers: { ...auth, ...options.headers },
      });
    },
    close: () => app.close(),
  };
}
