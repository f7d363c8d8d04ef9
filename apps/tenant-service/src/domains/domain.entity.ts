import { Entity, OptionalProps, Property } from '@mikro-orm/core';
import { TenantRecord } from '../common/tenant-record.entity';

/** A hostname that resolves to its tenant; unique across all tenants, stored lower-case. */
@Entity({ tableName: 'domain' })
export class Domain extends TenantRecord {
  [OptionalProps]?: 'id' | 'isPrimary' | 'createdAt';

  @Property({ type: 'text', unique: true })
  hostname!: string;

  @Property({ type: 'boolean' })
  isPrimary = false;
}
