import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';
import { UsageAggregates } from '../common/usage-aggregates.entity';

/*
 * The usage tables. They are written by `UsageIngestWriter` with set-based SQL (throughput) and
 * read by the query repositories; the entities exist so that migrations apply row-level security
 * to each table and so that purging goes through the tenant filter like any other delete.
 */

/** Every accepted event, keyed by its id: the idempotency record and the raw audit trail. */
@Entity({ tableName: 'usage_event' })
export class UsageEventRecord extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'eventId'];

  @PrimaryKey({ type: 'text' })
  eventId!: string;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'timestamptz' })
  time!: Date;

  @Property({ type: 'text', nullable: true })
  subject!: string | null;

  @Property({ type: 'json' })
  data!: Record<string, unknown>;

  /** Why the event is remarkable (`tenant_suspended`), or null. */
  @Property({ type: 'text', nullable: true })
  flag!: string | null;

  @Property({ type: 'timestamptz' })
  receivedAt!: Date;
}

/** Per meter, minute (UTC) and group: every aggregate a meter can need, summable across rows. */
@Entity({ tableName: 'usage_rollup' })
export class UsageRollup extends UsageAggregates {
  [PrimaryKeyProp]?: ['tenantId', 'meter', 'windowStart', 'groupKey'];

  @PrimaryKey({ type: 'timestamptz' })
  windowStart!: Date;

  /** Canonical JSON of the meter's group-by values (`{}` without grouping). */
  @PrimaryKey({ type: 'text' })
  groupKey!: string;
}

/** Distinct values per minute and group, so UNIQUE_COUNT is exact over any window. */
@Entity({ tableName: 'usage_unique' })
export class UsageUniqueValue extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'meter', 'windowStart', 'groupKey', 'value'];

  @PrimaryKey({ type: 'text' })
  meter!: string;

  @PrimaryKey({ type: 'timestamptz' })
  windowStart!: Date;

  @PrimaryKey({ type: 'text' })
  groupKey!: string;

  @PrimaryKey({ type: 'text' })
  value!: string;
}
