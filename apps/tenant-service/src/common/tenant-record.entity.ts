import { ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../tenants/tenant.entity';

/** A registry row that belongs to one tenant: its own uuid, the tenant, when it was made. */
export abstract class TenantRecord {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne('Tenant', { ref: true })
  tenant!: Ref<Tenant>;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
