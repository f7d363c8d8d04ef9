import { Entity, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';

export const SYNC_STATUSES = ['idle', 'queued', 'running', 'succeeded', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export const PROVIDER_NAMES = ['simulated', 'http'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/**
 * An external account whose metrics we sync. Its owning tenant is the seed's `customer_id`; the
 * external id is unique per tenant. Credentials are only ever held encrypted (see
 * `CredentialsCipher`), bound to (tenant, account) so a ciphertext cannot be moved to another row.
 */
@Entity({ tableName: 'account' })
export class Account extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'accountId'];
  [OptionalProps]?:
    | 'tenantId'
    | 'displayName'
    | 'provider'
    | 'isActive'
    | 'credentialsKeyId'
    | 'credentialsCiphertext'
    | 'syncStatus'
    | 'lastSyncAt'
    | 'lastError'
    | 'syncCheckpoint'
    | 'consecutiveFailures'
    | 'nextSyncAt'
    | 'leaseOwner'
    | 'leaseExpiresAt'
    | 'deletedAt'
    | 'createdAt'
    | 'updatedAt';

  @PrimaryKey({ type: 'text', fieldName: 'account_id' })
  accountId!: string;

  @Property({ type: 'text', nullable: true })
  displayName: string | null = null;

  @Property({ type: 'text' })
  provider: ProviderName = 'simulated';

  @Property({ type: 'boolean' })
  isActive = true;

  @Property({ type: 'text', nullable: true })
  credentialsKeyId: string | null = null;

  /** `base64(iv).base64(tag).base64(ciphertext)`; lazy, so only code that asks for it loads it. */
  @Property({ type: 'text', nullable: true, lazy: true, hidden: true })
  credentialsCiphertext: string | null = null;

  @Property({ type: 'text' })
  syncStatus: SyncStatus = 'idle';

  @Property({ type: 'timestamptz', nullable: true })
  lastSyncAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  /** The provider's resume point: saved after every batch, so a failed run continues from it. */
  @Property({ type: 'text', nullable: true })
  syncCheckpoint: string | null = null;

  @Property({ type: 'integer' })
  consecutiveFailures = 0;

  @Property({ type: 'timestamptz' })
  nextSyncAt: Date = new Date();

  @Property({ type: 'text', nullable: true })
  leaseOwner: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
