import type { Options } from '@mikro-orm/core';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { OutboxEvent, serviceOrmOptions, TenantState } from '@tenantbus/tenant-context';
import { AccountAudit } from '../accounts/account-audit.entity';
import { Account } from '../accounts/account.entity';
import { CustomerDailyMetrics } from '../account-metrics/customer-daily-metrics.entity';
import { MetricPoint } from '../account-metrics/metric-point.entity';
import { SyncPolicy } from '../sync/sync-policy.entity';
import { Migration20261125100000Sync } from './migrations/Migration20261125100000Sync';
import { Migration20261125200000Outbox } from './migrations/Migration20261125200000Outbox';

/** One ORM configuration for the service (app role) and the migration job (owner). */
export function ormOptions(clientUrl: string, systemRole: string): Options<PostgreSqlDriver> {
  return serviceOrmOptions({
    clientUrl,
    systemRole,
    entities: [
      TenantState,
      Account,
      MetricPoint,
      AccountAudit,
      SyncPolicy,
      CustomerDailyMetrics,
      OutboxEvent,
    ],
    migrations: [
      { name: 'Migration20261125100000Sync', class: Migration20261125100000Sync },
      { name: 'Migration20261125200000Outbox', class: Migration20261125200000Outbox },
    ],
    // Its own name, so the service may share a database with another service's migrations.
    migrationsTable: 'sync_service_migrations',
  });
}
