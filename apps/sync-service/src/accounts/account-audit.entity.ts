import { Entity, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';
import { randomUUID } from 'node:crypto';

/**
 * The seed's "Audit Customer Changes": one row per reassignment, kept by the account's new owner
 * (the old owner's data left with the account; purging either tenant never touches the other's rows).
 */
@Entity({ tableName: 'account_audit' })
export class AccountAudit extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];
  [OptionalProps]?: 'tenantId' | 'id' | 'createdAt' | 'correlationId';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  accountId!: string;

  @Property({ type: 'text' })
  action!: 'customer_reassigned';

  @Property({ type: 'uuid' })
  oldCustomerId!: string;

  @Property({ type: 'uuid' })
  newCustomerId!: string;

  /** `<kind>:<id>` of who did it, e.g. `admin:ops`. */
  @Property({ type: 'text' })
  actor!: string;

  @Property({ type: 'text', nullable: true })
  correlationId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
