import { Entity, Property } from '@mikro-orm/core';

/**
 * The seed's aggregate queries, grouped in the database per tenant and UTC day. A read-only
 * (virtual) entity: MikroORM wraps this SQL in a subquery and applies the global tenant filter to
 * the outer `where` (it has `tenantId`), and RLS binds the inner read of `metric_point` as well.
 * Occupancy keeps sum and count per day, so an average over any range of days is exact.
 */
@Entity({
  expression: `select tenant_id, to_char((time at time zone 'UTC')::date, 'YYYY-MM-DD') as day,
      sum(value) filter (where metric = 'home_page_views') as total_views,
      sum(value) filter (where metric = 'contact_host_clicks') as total_contact_clicks,
      sum(value) filter (where metric = 'visitors_views') as total_visitors,
      count(*) filter (where metric in ('home_page_views', 'contact_host_clicks', 'visitors_views'))::int as chart_points,
      sum(value) filter (where metric = 'avg_occupancy_rate') as occupancy_sum,
      count(value) filter (where metric = 'avg_occupancy_rate')::int as occupancy_count,
      min(value) filter (where metric = 'avg_occupancy_rate') as occupancy_min,
      max(value) filter (where metric = 'avg_occupancy_rate') as occupancy_max
    from metric_point
    group by tenant_id, (time at time zone 'UTC')::date`,
})
export class CustomerDailyMetrics {
  @Property({ type: 'uuid' })
  tenantId!: string;

  /** `YYYY-MM-DD` (UTC). */
  @Property({ type: 'text' })
  day!: string;

  @Property({ type: 'double', nullable: true })
  totalViews!: number | null;

  @Property({ type: 'double', nullable: true })
  totalContactClicks!: number | null;

  @Property({ type: 'double', nullable: true })
  totalVisitors!: number | null;

  @Property({ type: 'integer' })
  chartPoints!: number;

  @Property({ type: 'double', nullable: true })
  occupancySum!: number | null;

  @Property({ type: 'integer' })
  occupancyCount!: number;

  @Property({ type: 'double', nullable: true })
  occupancyMin!: number | null;

  @Property({ type: 'double', nullable: true })
  occupancyMax!: number | null;
}
