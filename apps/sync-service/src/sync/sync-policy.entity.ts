import { Entity, OptionalProps, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';

/**
 * How this service syncs one tenant, provisioned from its lifecycle events: the interval and
 * account limit its plan buys, and whether syncing is paused (suspended) or stopped (deleted).
 */
@Entity({ tableName: 'sync_policy' })
export class SyncPolicy extends TenantScopedEntity {
  [PrimaryKeyProp]?: 'tenantId';
  [OptionalProps]?: 'paused' | 'stopped' | 'lastLeasedAt' | 'updatedAt';

  @Property({ type: 'text' })
  planCode!: string;

  @Property({ type: 'integer' })
  intervalMs!: number;

  /** The plan limit `sync_accounts`; null means unlimited. */
  @Property({ type: 'integer', nullable: true })
  maxAccounts!: number | null;

  @Property({ type: 'boolean' })
  paused = false;

  @Property({ type: 'boolean' })
  stopped = false;

  /** When the scheduler last leased one of its accounts: the least recently served go first. */
  @Property({ type: 'timestamptz', nullable: true })
  lastLeasedAt: Date | null = null;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
