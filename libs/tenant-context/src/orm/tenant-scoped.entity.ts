import { PrimaryKey } from '@mikro-orm/core';
import type { TenantId } from '@tenantbus/contracts';

/**
 * Base of every tenant-scoped entity: `tenant_id` leads the primary key, so keys, unique
 * constraints and (later) Citus distribution all include the tenant. Subclasses add their own
 * `@PrimaryKey() id` and declare `[PrimaryKeyProp]?: ['tenantId', 'id']`.
 * The tenant is stamped from the context on flush; setting it by hand is only for system scope.
 */
export abstract class TenantScopedEntity {
  @PrimaryKey({ type: 'uuid', fieldName: 'tenant_id' })
  tenantId!: TenantId;
}
