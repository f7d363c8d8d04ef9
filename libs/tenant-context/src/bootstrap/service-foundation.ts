import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { ServiceConfig } from '../config/service-config';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { parseAdminTokens } from '../http/admin-authenticator';
import { TenantContextModule } from '../module/tenant-context.module';
import { loggerModuleParams } from '../observability/logging';

/** What every tenantbus service imports first: JSON logs, tenancy on every hop, health. */
export function serviceFoundation(
  config: ServiceConfig,
  options: { database: boolean },
): DynamicModule[] {
  return [
    LoggerModule.forRoot(
      loggerModuleParams({ serviceName: config.SERVICE_NAME, level: config.LOG_LEVEL }),
    ),
    TenantContextModule.forRoot({
      serviceName: config.SERVICE_NAME,
      natsUrl: config.NATS_URL,
      busPrefix: config.BUS_PREFIX,
      baseDomain: config.BASE_DOMAIN,
      adminTokens: parseAdminTokens(config.ADMIN_TOKENS),
    }),
    HealthModule.forRoot({ database: options.database }),
    MetricsModule.forRoot({ serviceName: config.SERVICE_NAME }),
  ];
}
