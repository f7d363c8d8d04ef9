import {
  Entity,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
  Unique,
  type Ref,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../tenants/tenant.entity';

export const MEMBER_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

@Entity({ tableName: 'member' })
@Unique({ properties: ['tenant', 'email'] })
export class Member {
  [OptionalProps]?: 'id' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne('Tenant', { ref: true })
  tenant!: Ref<Tenant>;

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  role!: MemberRole;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
