import type { Options } from '@mikro-orm/core';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { OutboxEvent, serviceOrmOptions } from '@tenantbus/tenant-context';
import { ApiKey } from '../api-keys/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { Domain } from '../domains/domain.entity';
import { Invitation } from '../members/invitation.entity';
import { Member } from '../members/member.entity';
import { Plan } from '../plans/plan.entity';
import { Tenant } from '../tenants/tenant.entity';
import { Migration20261125000000Registry } from './migrations/Migration20261125000000Registry';
import { Migration20261125200000OutboxNotify } from './migrations/Migration20261125200000OutboxNotify';

/** One ORM configuration for the service (app role) and the migration job (owner). */
export function ormOptions(clientUrl: string, systemRole: string): Options<PostgreSqlDriver> {
  return serviceOrmOptions({
    clientUrl,
    systemRole,
    entities: [Plan, Tenant, Domain, ApiKey, Member, Invitation, AuditEvent, OutboxEvent],
    migrations: [
      { name: 'Migration20261125000000Registry', class: Migration20261125000000Registry },
      { name: 'Migration20261125200000OutboxNotify', class: Migration20261125200000OutboxNotify },
    ],
  });
}
