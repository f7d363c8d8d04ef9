import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { TenantState, withTenancy } from '@tenantbus/tenant-context';
import { AccountAudit } from '../accounts/account-audit.entity';
import { Account } from '../accounts/account.entity';
import { CustomerDailyMetrics } from '../account-metrics/customer-daily-metrics.entity';
import { MetricPoint } from '../account-metrics/metric-point.entity';
import { SyncPolicy } from '../sync/sync-policy.entity';
import { Migration20261125100000Sync } from './migrations/Migration20261125100000Sync';

export const ENTITIES = [
  TenantState,
  Account,
  MetricPoint,
  AccountAudit,
  SyncPolicy,
  CustomerDailyMetrics,
];

/** One ORM configuration for the service (app role) and the migration job (owner). */
export function ormOptions(clientUrl: string, systemRole: string): Options<PostgreSqlDriver> {
  return withTenancy(
    {
      driver: PostgreSqlDriver,
      clientUrl,
      entities: ENTITIES,
      extensions: [Migrator],
      migrations: {
        // Its own name, so the service may share a database with another service's migrations.
        tableName: 'sync_service_migrations',
        transactional: true,
        migrationsList: [
          { name: 'Migration20261125100000Sync', class: Migration20261125100000Sync },
        ],
      },
    },
    { systemRole },
  );
}
