import { Entity, OptionalProps, Property } from '@mikro-orm/core';
import { TenantRecord } from '../common/tenant-record.entity';

/** A tenant API key: the public prefix finds it, only the hash of the secret is kept. */
@Entity({ tableName: 'api_key' })
export class ApiKey extends TenantRecord {
  [OptionalProps]?: 'id' | 'createdAt';

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  role!: string;

  @Property({ type: 'text', unique: true })
  prefix!: string;

  @Property({ type: 'text', hidden: true })
  secretHash!: string;

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;
}
