import { Entity, OptionalProps, Property, Unique } from '@mikro-orm/core';
import { TenantRecord } from '../common/tenant-record.entity';

export const MEMBER_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

@Entity({ tableName: 'member' })
@Unique({ properties: ['tenant', 'email'] })
export class Member extends TenantRecord {
  [OptionalProps]?: 'id' | 'createdAt';

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  role!: MemberRole;
}
