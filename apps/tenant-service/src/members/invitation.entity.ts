import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../tenants/tenant.entity';
import type { MemberRole } from './member.entity';

/** A single-use, expiring invitation; only the hash of its token is kept. */
@Entity({ tableName: 'invitation' })
export class Invitation {
  [OptionalProps]?: 'id' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne('Tenant', { ref: true })
  tenant!: Ref<Tenant>;

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

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
