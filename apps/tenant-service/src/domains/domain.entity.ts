import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../tenants/tenant.entity';

/** A hostname that resolves to its tenant; unique across all tenants, stored lower-case. */
@Entity({ tableName: 'domain' })
export class Domain {
  [OptionalProps]?: 'id' | 'isPrimary' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne('Tenant', { ref: true })
  tenant!: Ref<Tenant>;

  @Property({ type: 'text', unique: true })
  hostname!: string;

  @Property({ type: 'boolean' })
  isPrimary = false;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
