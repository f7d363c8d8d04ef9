import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

export const AGGREGATIONS = ['SUM', 'COUNT', 'MAX', 'UNIQUE_COUNT', 'LATEST'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * What to measure from one event type (OpenMeter's meter): how events aggregate, which data
 * property holds the value (the distinct key for UNIQUE_COUNT) and which properties usage may be
 * grouped by. Global: every tenant is metered the same way; plans differ only in limits.
 */
@Entity({ tableName: 'meter' })
export class Meter {
  [PrimaryKeyProp]?: 'name';

  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  eventType!: string;

  @Property({ type: 'text' })
  aggregation!: Aggregation;

  /** Required for every aggregation but COUNT. */
  @Property({ type: 'text', nullable: true })
  valueProperty!: string | null;

  @Property({ type: 'text[]' })
  groupBy: string[] = [];

  /** The plan limit that caps this meter per calendar month (UTC); null: never limited. */
  @Property({ type: 'text', nullable: true })
  limitKey!: string | null;

  @Property({ type: 'text' })
  description!: string;
}
