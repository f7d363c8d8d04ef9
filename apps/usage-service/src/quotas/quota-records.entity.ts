import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';
import { UsageAggregates } from '../common/usage-aggregates.entity';

/**
 * Running totals per meter and billing period (calendar month, UTC), maintained on ingest in the
 * same transaction as the events, so a quota check is one row read and thresholds are decided
 * against exactly the committed usage.
 */
@Entity({ tableName: 'usage_period' })
export class UsagePeriodTotal extends UsageAggregates {
  [PrimaryKeyProp]?: ['tenantId', 'meter', 'periodStart'];

  @PrimaryKey({ type: 'timestamptz' })
  periodStart!: Date;

  @Property({ type: 'bigint' })
  uniqueCount!: string;
}

/** The distinct values of a UNIQUE_COUNT meter in a period (its running total counts them). */
@Entity({ tableName: 'usage_period_unique' })
export class UsagePeriodUniqueValue extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'meter', 'periodStart', 'value'];

  @PrimaryKey({ type: 'text' })
  meter!: string;

  @PrimaryKey({ type: 'timestamptz' })
  periodStart!: Date;

  @PrimaryKey({ type: 'text' })
  value!: string;
}

/**
 * A crossed threshold: the unique key makes it happen once per tenant, meter, period and
 * threshold however often events are redelivered or however many writers race; the row doubles
 * as the outbox of the alert (`publishedAt`).
 */
@Entity({ tableName: 'usage_threshold' })
export class UsageThresholdRecord extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'meter', 'periodStart', 'threshold'];

  @PrimaryKey({ type: 'text' })
  meter!: string;

  @PrimaryKey({ type: 'timestamptz' })
  periodStart!: Date;

  @PrimaryKey({ type: 'integer' })
  threshold!: number;

  @Property({ type: 'uuid' })
  alertId!: string;

  @Property({ type: 'double' })
  used!: number;

  @Property({ type: 'double' })
  limitValue!: number;

  @Property({ type: 'timestamptz' })
  crossedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
