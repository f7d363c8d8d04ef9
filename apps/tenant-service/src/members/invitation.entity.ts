import { Entity, OptionalProps, Property } from '@mikro-orm/core';
import { TenantRecord } from '../common/tenant-record.entity';
import type { MemberRole } from './member.entity';

/** A single-use, expiring invitation; only the hash of its token is kept. */
@Entity({ tableName: 'invitation' })
export class Invitation extends TenantRecord {
  [OptionalProps]?: 'id' | 'createdAt';

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  role!: MemberRole;

  @Property({ type: 'text', unique: true, hidden: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  acceptedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;
}
