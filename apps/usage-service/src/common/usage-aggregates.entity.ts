import { PrimaryKey, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';

/**
 * One meter's aggregates over a span (a minute, a billing period): all of them are kept, so any
 * aggregation can be read back, and each combines across spans (sum, sum, max, latest by time).
 */
export abstract class UsageAggregates extends TenantScopedEntity {
  @PrimaryKey({ type: 'text' })
  meter!: string;

  @Property({ type: 'bigint' })
  eventCount!: string;

  @Property({ type: 'double' })
  valueSum!: number;

  @Property({ type: 'double', nullable: true })
  valueMax!: number | null;

  @Property({ type: 'double', nullable: true })
  latestValue!: number | null;

  @Property({ type: 'timestamptz' })
  latestTime!: Date;
}
