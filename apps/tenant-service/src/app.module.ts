import { Module, type DynamicModule } from '@nestjs/common';
import {
  ensureTenantEventsStream,
  OutboxModule,
  outboxRelayOptions,
  serviceDatabase,
  serviceFoundation,
} from '@tenantbus/tenant-context';
import type { TenantServiceConfig } from './config/tenant-service.config';
import { ormOptions } from './database/mikro-orm.options';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuditLogModule } from './audit/audit-log.module';
import { DirectoryModule } from './directory/directory.module';
import { DomainsModule } from './domains/domains.module';
import { MeModule } from './me/me.module';
import { MembersModule } from './members/members.module';
import { PlansModule } from './plans/plans.module';
import { TenantsModule } from './tenants/tenants.module';

/** tenant-service: the tenant registry, its admin API and lifecycle events through an outbox. */
@Module({})
export class AppModule {
  static forRoot(config: TenantServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...serviceFoundation(config, { database: true }),
        ...serviceDatabase(ormOptions(config.DATABASE_URL, config.DB_SYSTEM_ROLE)),
        OutboxModule.forRoot(outboxRelayOptions(config, [ensureTenantEventsStream])),
        TenantsModule,
        PlansModule,
        DomainsModule,
        ApiKeysModule,
        MembersModule,
        AuditLogModule,
        DirectoryModule,
        MeModule,
      ],
    };
  }
}
