import type { DynamicModule } from '@nestjs/common';
import type { OpenApiInfo } from '@tenantbus/tenant-context';
import { openApiDocuments } from '@tenantbus/testing';
import { join } from 'node:path';
import { AppModule as SyncApp } from '../apps/sync-service/src/app.module';
import { SyncServiceConfigSchema } from '../apps/sync-service/src/config/sync-service.config';
import { SYNC_SERVICE_OPENAPI } from '../apps/sync-service/src/openapi.info';
import { AppModule as TenantApp } from '../apps/tenant-service/src/app.module';
import { TenantServiceConfigSchema } from '../apps/tenant-service/src/config/tenant-service.config';
import { TENANT_SERVICE_OPENAPI } from '../apps/tenant-service/src/openapi.info';
import { AppModule as UsageApp } from '../apps/usage-service/src/app.module';
import { UsageServiceConfigSchema } from '../apps/usage-service/src/config/usage-service.config';
import { USAGE_SERVICE_OPENAPI } from '../apps/usage-service/src/openapi.info';

/** Enough configuration to build the module graph; preview mode connects to nothing. */
const env = {
  DATABASE_URL: 'postgres://unused/unused',
  CREDENTIALS_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
  LOG_LEVEL: 'silent',
};

const SERVICES: [string, () => DynamicModule, OpenApiInfo][] = [
  [
    'tenant-service',
    () => TenantApp.forRoot(TenantServiceConfigSchema.parse(env)),
    TENANT_SERVICE_OPENAPI,
  ],
  ['sync-service', () => SyncApp.forRoot(SyncServiceConfigSchema.parse(env)), SYNC_SERVICE_OPENAPI],
  [
    'usage-service',
    () => UsageApp.forRoot(UsageServiceConfigSchema.parse(env)),
    USAGE_SERVICE_OPENAPI,
  ],
];

/**
 * Each service's committed OpenAPI document must match its code. `npm run openapi` rewrites
 * them; CI fails here when someone changed an endpoint and forgot to.
 */
describe('committed OpenAPI documents', () => {
  it.each(SERVICES)('apps/%s/openapi.json is up to date', async (service, appModule, info) => {
    const { generated, committed } = await openApiDocuments(
      appModule(),
      info,
      join(__dirname, '..', 'apps', service, 'openapi.json'),
    );
    expect(committed).toBe(generated);
  });
});
