import type { INestApplication } from '@nestjs/common';
import { migrateDatabase } from '@tenantbus/tenant-context';
import {
  createTestBus,
  createTestDatabase,
  httpRequest,
  listenTestApp,
  TEST_NATS_URL,
  type HttpResult,
  type TestBus,
  type TestDatabase,
} from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import {
  TenantServiceConfigSchema,
  type TenantServiceConfig,
} from '../src/config/tenant-service.config';
import { ormOptions } from '../src/database/mikro-orm.options';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TenantServiceHarness {
  readonly app: INestApplication;
  readonly db: TestDatabase;
  readonly bus: TestBus;
  readonly config: TenantServiceConfig;
  /** Admin call (Bearer admin token) unless `headers` says otherwise. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean },
  ): Promise<HttpResult<T>>;
  /** Creates a tenant with a fresh slug (overridable) through the admin API; fails the test otherwise. */
  createTenant(body?: Record<string, unknown>): Promise<CreatedTenant>;
  /** Issues an API key of the tenant through the admin API (default name `ci`); fails the test otherwise. */
  createApiKey(tenantId: string, body?: Record<string, unknown>): Promise<CreatedApiKey>;
  /** The tenant's audit and outbox row counts and version: what a refused call must leave untouched. */
  tenantState(tenantId: string): Promise<{ audit: number; outbox: number; version: number }>;
  /** `select count(*)::int as n …` as the owner. */
  count(sql: string, params?: unknown[]): Promise<number>;
  /** The tenant's current version, read through the API. */
  version(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

export type CreatedTenant = Record<string, unknown> & { id: string; slug: string; version: number };

export interface CreatedApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  /** The full key, shown once. */
  key: string;
  createdAt: string;
  expiresAt: string | null;
}

/**
 * The tenant-service in-process on a fresh database (migrated as owner, served as the app role)
 * and a fresh bus prefix. `env` overrides configuration (e.g. `OUTBOX_RELAY_ENABLED`, `NATS_URL`).
 */
export async function startTenantService(
  env: Record<string, string> = {},
): Promise<TenantServiceHarness> {
  const db = await createTestDatabase('tb_tenants');
  const bus = await createTestBus('tb_tenants');
  await migrateDatabase(
    ormOptions(db.ownerUrl, db.systemRole),
    { appRole: db.appRole, systemRole: db.systemRole },
    { log: () => undefined },
  );
  const config = TenantServiceConfigSchema.parse({
    DATABASE_URL: db.appUrl,
    DB_APP_ROLE: db.appRole,
    DB_SYSTEM_ROLE: db.systemRole,
    NATS_URL: TEST_NATS_URL,
    BUS_PREFIX: bus.prefix,
    ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
    BASE_DOMAIN: 'tenantbus.test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OUTBOX_POLL_MS: '50',
    ...env,
  });
  const { app, port } = await listenTestApp(AppModule.forRoot(config));
  const call: TenantServiceHarness['call'] = (method, path, options = {}) =>
    httpRequest(port, path, {
      method,
      body: options.body,
      headers: {
        host: 'tenantbus.test',
        ...(options.anonymous ? {} : { authorization: `Bearer ${ADMIN_TOKEN}` }),
        ...options.headers,
      },
    });
  const count: TenantServiceHarness['count'] = async (sql, params = []) =>
    (await db.query<{ n: number }>(sql, params))[0].n;
  const version: TenantServiceHarness['version'] = async (tenantId) =>
    (await call<{ version: number }>('GET', `/api/v1/tenants/${tenantId}`)).body.version;
  return {
    app,
    db,
    bus,
    config,
    call,
    count,
    version,
    async createTenant(body = {}) {
      const res = await call('POST', '/api/v1/tenants', {
        body: { slug: `t-${randomUUID().slice(0, 12)}`, name: 'Test tenant', ...body },
      });
      if (res.status !== 201)
        throw new Error(`creating a tenant failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as CreatedTenant;
    },
    async createApiKey(tenantId, body = { name: 'ci' }) {
      const res = await call<CreatedApiKey>('POST', `/api/v1/tenants/${tenantId}/api-keys`, {
        body,
      });
      if (res.status !== 201)
        throw new Error(`creating an API key failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async tenantState(tenantId) {
      const byTenant = (table: string) =>
        count(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenantId]);
      return {
        audit: await byTenant('audit_event'),
        outbox: await byTenant('outbox'),
        version: await version(tenantId),
      };
    },
    async close() {
      await app.close();
      await bus.close();
      await db.drop();
    },
  };
}
