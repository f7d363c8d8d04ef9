import {
  Collection,
  Entity,
  ManyToOne,
  OneToMany,
  OptionalProps,
  PrimaryKey,
  Property,
  type Ref,
} from '@mikro-orm/core';
import type { TenantStatus } from '@tenantbus/contracts';
import { randomUUID } from 'node:crypto';
import { ApiKey } from '../api-keys/api-key.entity';
import { Domain } from '../domains/domain.entity';
import { Plan } from '../plans/plan.entity';

/**
 * The registry row. The registry is the platform's control plane: its tables are global (no RLS)
 * and are only reached through admin routes in an audited system scope, or `/me`.
 */
@Entity({ tableName: 'tenant' })
export class Tenant {
  [OptionalProps]?: 'id' | 'status' | 'settings' | 'createdAt' | 'updatedAt' | 'version';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text', unique: true })
  slug!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  status: TenantStatus = 'active';

  @ManyToOne(() => Plan, { ref: true, fieldName: 'plan_code' })
  plan!: Ref<Plan>;

  @Property({ type: 'json' })
  settings: Record<string, unknown> = {};

  @Property({ type: 'text', nullable: true, unique: true })
  externalRef?: string | null;

  @Property({ type: 'text', nullable: true })
  suspendedReason?: string | null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  purgedAt?: Date | null;

  /** Optimistic concurrency (`If-Match`) and the directory entry's version. */
  @Property({ type: 'integer', version: true })
  version: number = 1;

  @OneToMany(() => Domain, (domain) => domain.tenant, { orphanRemoval: true })
  domains = new Collection<Domain>(this);

  @OneToMany(() => ApiKey, (key) => key.tenant, { orphanRemoval: true })
  apiKeys = new Collection<ApiKey>(this);
}
