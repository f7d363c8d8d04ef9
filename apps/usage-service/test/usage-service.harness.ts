import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BusNaming,
  DEAD_LETTER_TOKEN,
  TENANT_ID_HEADER,
  type PlanLimits,
  type TenantLifecycleEvent,
  type TenantLifecycleType,
  type UsageEventInput,
} from '@tenantbus/contracts';
import { ensureTenantEventsStream, ensureUsageStream } from '@tenantbus/tenant-context';
import {
  createTestBus,
  createTestDatabase,
  DirectoryStub,
  httpRequest,
  lifecycleEvent,
  makeTenant,
  readStream,
  TEST_NATS_URL,
  waitFor,
  type FakeTenant,
  type HttpResult,
  type TestBus,
  type TestDatabase,
} from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headers as natsHeaders, JSONCodec } from 'nats';
import { AppModule } from '../src/app.module';
import {
  UsageServiceConfigSchema,
  type UsageServiceConfig,
} from '../src/config/usage-service.config';
import { migrateUsageDatabase } from '../src/database/migrate';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
const codec = JSONCodec<unknown>();

/** A tenant known to the directory stub and to the service's lifecycle projection. */
export interface TestTenant extends FakeTenant {
  readonly id: string;
  /** Bumps the version and publishes the lifecycle event; waits until the service applied it. */
  change(
    type: TenantLifecycleType,
    patch?: { status?: 'active' | 'suspended' | 'deleted'; limits?: PlanLimits; plan?: string },
  ): Promise<void>;
}

export interface DeadLetter {
  readonly subject: string;
  readonly reason: string;
  /** The JSON body, or the raw text when it was not JSON. */
  readonly body: Record<string, unknown> | string;
}

/** Test-side view of the usage-service's infrastructure, shared by the in-process and process harnesses. */
export interface UsageInfra {
  readonly db: TestDatabase;
  readonly bus: TestBus;
  readonly naming: BusNaming;
  readonly directory: DirectoryStub;
  /** Creates a tenant (directory + `tenant.created` on the stream) and waits for the service. */
  tenant(limits?: PlanLimits): Promise<TestTenant>;
  /** Publishes usage events on the stream under the tenant's header (`null`: no header). */
  publish(tenantId: string | null, events: UsageEventInput[]): Promise<void>;
  /** Publishes a raw body (for poison tests). */
  publishRaw(tenantId: string | null, subject: string, body: Uint8Array): Promise<void>;
  deadLetters(count: number): Promise<DeadLetter[]>;
  count(sql: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export interface UsageServiceHarness extends UsageInfra {
  readonly app: INestApplication;
  readonly config: UsageServiceConfig;
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { body?: unknown; apiKey?: string; admin?: boolean; tenantId?: string },
  ): Promise<HttpResult<T>>;
}

export function usageEvent(overrides: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    id: randomUUID(),
    type: 'api.requests',
    source: 'test',
    time: new Date().toISOString(),
    data: { value: 1 },
    ...overrides,
  };
}

/** The fresh database (migrated as owner), bus prefix and directory stub a usage-service runs on. */
export async function createUsageInfra(
  options: { reportingRole?: (db: TestDatabase) => Promise<string> } = {},
): Promise<UsageInfra> {
  const db = await createTestDatabase('tb_usage');
  const bus = await createTestBus('tb_usage');
  const naming = new BusNaming(bus.prefix);
  await migrateUsageDatabase(
    db.ownerUrl,
    { appRole: db.appRole, systemRole: db.systemRole },
    options.reportingRole ? await options.reportingRole(db) : undefined,
    { log: () => undefined },
  );
  await ensureTenantEventsStream(bus.nc, naming);
  await ensureUsageStream(bus.nc, naming);
  const directory = new DirectoryStub(bus.nc, naming);
  const count = async (sql: string, params: unknown[] = []) =>
    (await db.query<{ n: number }>(sql, params))[0].n;
  const publishLifecycle = async (event: TenantLifecycleEvent) => {
    await bus.nc.jetstream().publish(naming.subject(event.type), codec.encode(event));
  };
  const stateVersion = (tenantId: string) =>
    db
      .query<{ version: number }>('select version from tenant_state where tenant_id = $1', [
        tenantId,
      ])
      .then((rows) => rows[0]?.version);
  const publishRaw = async (tenantId: string | null, subject: string, body: Uint8Array) => {
    const headers = natsHeaders();
    if (tenantId) headers.set(TENANT_ID_HEADER, tenantId);
    await bus.nc.jetstream().publish(naming.subject(subject), body, { headers });
  };
  return {
    db,
    bus,
    naming,
    directory,
    count,
    publishRaw,
    async tenant(limits = {}) {
      let fake = makeTenant();
      let currentLimits = limits;
      directory.add(fake.entry);
      await publishLifecycle(lifecycleEvent(fake, 'tenant.created', { limits }));
      await waitFor(async () => ((await stateVersion(fake.entry.id)) === 1 ? true : undefined), {
        what: 'tenant.created applied',
      });
      const tenant: TestTenant = {
        ...fake,
        id: fake.entry.id,
        async change(type, patch = {}) {
          currentLimits = patch.limits ?? currentLimits;
          const entry = {
            ...fake.entry,
            status: patch.status ?? fake.entry.status,
            plan: patch.plan ?? fake.entry.plan,
            version: fake.entry.version + 1,
          };
          fake = { ...fake, entry };
          if (type === 'tenant.purged') directory.entries.delete(entry.id);
          else directory.add(entry);
          await publishLifecycle(lifecycleEvent(fake, type, { limits: currentLimits }));
          await waitFor(
            async () => ((await stateVersion(entry.id)) === entry.version ? true : undefined),
            { what: `${type} applied` },
          );
        },
      };
      return tenant;
    },
    async publish(tenantId, events) {
      await Promise.all(
        events.map((event) =>
          publishRaw(tenantId, `usage.events.${event.type}`, codec.encode(event)),
        ),
      );
    },
    async deadLetters(n) {
      const letters = await readStream(bus.nc, naming.stream(DEAD_LETTER_TOKEN), n);
      return letters.map((letter) => ({
        subject: letter.subject,
        reason: letter.headers['x-dead-letter-reason'],
        body: letter.data as DeadLetter['body'],
      }));
    },
    async close() {
      directory.stop();
      await bus.close();
      await db.drop();
    },
  };
}

/** Config for a usage-service on this infrastructure (in-process or as a child process). */
export function usageServiceEnv(infra: UsageInfra, env: Record<string, string> = {}) {
  return {
    DATABASE_URL: infra.db.appUrl,
    DB_APP_ROLE: infra.db.appRole,
    DB_SYSTEM_ROLE: infra.db.systemRole,
    NATS_URL: TEST_NATS_URL,
    BUS_PREFIX: infra.bus.prefix,
    ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    USAGE_ALERT_RELAY_MS: '100',
    ...env,
  };
}

/**
 * The usage-service in-process on fresh infrastructure (or on `infra`, e.g. a second instance;
 * closing the harness then closes only the app).
 */
export async function startUsageService(
  env: Record<string, string> = {},
  shared?: UsageInfra,
): Promise<UsageServiceHarness> {
  const infra = shared ?? (await createUsageInfra());
  const config = UsageServiceConfigSchema.parse(usageServiceEnv(infra, env));
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication({
    logger: process.env.TEST_LOG_LEVEL ? undefined : false,
  });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
  return {
    ...infra,
    app,
    config,
    call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      if (options.admin) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
      if (options.tenantId) headers['x-tenant-id'] = options.tenantId;
      return httpRequest(port, path, { method, body: options.body, headers });
    },
    async close() {
      await app.close();
      if (!shared) await infra.close();
    },
  };
}
