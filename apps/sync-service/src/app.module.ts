import { Module, type DynamicModule } from '@nestjs/common';
import {
  ensureAccountEventsStream,
  ensureUsageStream,
  OutboxModule,
  outboxRelayOptions,
  QuotaGuardModule,
  serviceDatabase,
  serviceFoundation,
} from '@tenantbus/tenant-context';
import { AccountMetricsModule } from './account-metrics/account-metrics.module';
import { AccountsModule } from './accounts/accounts.module';
import { CommonModule } from './common/common.module';
import type { SyncServiceConfig } from './config/sync-service.config';
import { CredentialsModule } from './credentials/credentials.module';
import { ormOptions } from './database/mikro-orm.options';
import { SyncLifecycleModule } from './lifecycle/sync-lifecycle.module';
import { SyncModule } from './sync/sync.module';
import { UsageModule } from './usage/usage.module';

/** sync-service: per-tenant external accounts, scheduled metric sync, customer aggregation. */
@Module({})
export class AppModule {
  static forRoot(config: SyncServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...serviceFoundation(config, { database: true }),
        ...serviceDatabase(ormOptions(config.DATABASE_URL, config.DB_SYSTEM_ROLE)),
        OutboxModule.forRoot(
          outboxRelayOptions(config, [ensureUsageStream, ensureAccountEventsStream]),
        ),
        QuotaGuardModule.forRoot(),
        CommonModule.forRoot(config),
        CredentialsModule.forRoot(config.CREDENTIALS_KEYS),
        UsageModule,
        AccountsModule,
        AccountMetricsModule,
        SyncModule,
        SyncLifecycleModule,
      ],
    };
  }
}
