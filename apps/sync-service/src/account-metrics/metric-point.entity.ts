import { Entity, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { TenantScopedEntity } from '@tenantbus/tenant-context';

/** The seed's chart metrics (`chart_query`). */
export const CHART_METRICS = ['home_page_views', 'contact_host_clicks', 'visitors_views'] as const;
/** The seed's list metrics (`list_of_metrics`). */
export const LIST_METRICS = ['avg_occupancy_rate'] as const;

/**
 * One value of one metric of one account at one time: a general (metric, value) shape that
 * serves the seed's chart and list queries. The primary key is the idempotency key of the
 * upsert, so a re-sync overwrites instead of duplicating.
 */
@Entity({ tableName: 'metric_point' })
export class MetricPoint extends TenantScopedEntity {
  [PrimaryKeyProp]?: ['tenantId', 'accountId', 'metric', 'time'];
  [OptionalProps]?: 'tenantId' | 'syncedAt';

  @PrimaryKey({ type: 'text' })
  accountId!: string;

  @PrimaryKey({ type: 'text' })
  metric!: string;

  @PrimaryKey({ type: 'timestamptz' })
  time!: Date;

  @Property({ type: 'double' })
  value!: number;

  @Property({ type: 'timestamptz' })
  syncedAt: Date = new Date();
}
