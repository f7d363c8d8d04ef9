import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { TenantState, withTenancy } from '@tenantbus/tenant-context';
import { UsageEventRecord, UsageRollup, UsageUniqueValue } from '../ingest/usage-records.entity';
import { Meter } from '../meters/meter.entity';
import {
  UsagePeriodTotal,
  UsagePeriodUniqueValue,
  UsageThresholdRecord,
} from '../quotas/quota-records.entity';
import { Migration20261125100000Usage } from './migrations/Migration20261125100000Usage';
import { Migration20261205100000RollupCoveringKey } from './migrations/Migration20261205100000RollupCoveringKey';

export const ENTITIES = [
  TenantState,
  Meter,
  UsageEventRecord,
  UsageRollup,
  UsageUniqueValue,
  UsagePeriodTotal,
  UsagePeriodUniqueValue,
  UsageThresholdRecord,
];

/** One ORM configuration for the service (app role) and the migration job (owner). */
export function ormOptions(clientUrl: string, systemRole: string): Options<PostgreSqlDriver> {
  return withTenancy(
    {
      driver: PostgreSqlDriver,
      clientUrl,
      entities: ENTITIES,
      extensions: [Migrator],
      // Ingest runs a transaction per tenant group; a few in parallel keep the CPU busy.
      pool: { min: 2, max: 10 },
      migrations: {
        tableName: 'usage_service_migrations',
        transactional: true,
        migrationsList: [
          { name: 'Migration20261125100000Usage', class: Migration20261125100000Usage },
          {
            name: 'Migration20261205100000RollupCoveringKey',
            class: Migration20261205100000RollupCoveringKey,
          },
        ],
      },
    },
    { systemRole },
  );
}
