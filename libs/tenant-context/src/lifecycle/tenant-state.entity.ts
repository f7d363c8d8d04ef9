import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { PlanLimits, TenantLifecycleEvent, TenantStatus } from '@tenantbus/contracts';

/**
 * A consumer service's copy of what it must know about each tenant (status, plan, limits),
 * projected from lifecycle events. Global table: it describes tenants, it is not tenant data.
 */
@Entity({ tableName: 'tenant_state' })
export class TenantState {
  @PrimaryKey({ type: 'uuid', fieldName: 'tenant_id' })
  tenantId!: string;

  @Property({ type: 'text' })
  slug!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  status!: TenantStatus;

  @Property({ type: 'text' })
  planCode!: string;

  @Property({ type: 'json' })
  limits: PlanLimits = {};

  @Property({ type: 'json' })
  settings: Record<string, unknown> = {};

  /** The registry's version of the tenant; events at or below it were already applied. */
  @Property({ type: 'integer' })
  version!: number;

  @Property({ type: 'timestamptz', nullable: true })
  purgedAt?: Date;

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();

  /** The stored state, as of this event. */
  apply(event: TenantLifecycleEvent): void {
    const { entry, name, settings, plan } = event.data;
    this.tenantId = entry.id;
    this.slug = entry.slug;
    this.name = name;
    this.status = entry.status;
    this.planCode = plan.code;
    this.limits = plan.limits;
    this.settings = settings;
    this.version = entry.version;
    if (event.type === 'tenant.purged') this.purgedAt = new Date(event.time);
    this.updatedAt = new Date();
  }
}

/** A read-only copy handed to listeners as the state before the event. */
export type TenantStateSnapshot = Readonly<
  Pick<
    TenantState,
    'tenantId' | 'slug' | 'name' | 'status' | 'planCode' | 'limits' | 'settings' | 'version'
  > & { purgedAt?: Date }
>;

/** For a service's migration: the table `TenantState` maps to. */
export const TENANT_STATE_TABLE_SQL = `create table if not exists "tenant_state" (
  "tenant_id" uuid primary key,
  "slug" text not null,
  "name" text not null,
  "status" text not null,
  "plan_code" text not null,
  "limits" jsonb not null default '{}',
  "settings" jsonb not null default '{}',
  "version" integer not null,
  "purged_at" timestamptz null,
  "updated_at" timestamptz not null default now()
)`;
