import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module, type DynamicModule } from '@nestjs/common';
import {
  serviceFoundation,
  TenantLifecycleModule,
  TenantOrmModule,
} from '@tenantbus/tenant-context';
import { UsageConfigModule } from './config/usage-config.module';
import type { UsageServiceConfig } from './config/usage-service.config';
import { ormOptions } from './database/mikro-orm.options';
import { IngestModule } from './ingest/ingest.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MetersModule } from './meters/meters.module';
import { QuotasModule } from './quotas/quotas.module';
import { UsageModule } from './usage/usage.module';

/** usage-service: exactly-once usage metering, windowed queries, plan quotas and alerts. */
@Module({})
export class AppModule {
  static forRoot(config: UsageServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...serviceFoundation(config, { database: true }),
        UsageConfigModule.forRoot(config),
        MikroOrmModule.forRoot({
          ...ormOptions(config.DATABASE_URL, config.DB_SYSTEM_ROLE),
          registerRequestContext: false,
        }),
        TenantOrmModule.forRoot(),
        TenantLifecycleModule.forRoot({ durable: 'usage-service-lifecycle' }),
        MetersModule,
        LifecycleModule,
        IngestModule,
        UsageModule,
        QuotasModule,
      ],
    };
  }
}
