import { Migration } from '@mikro-orm/migrations';

/**
 * The rollup's primary key carries the aggregates (`include`), so a tenant's window query is an
 * index-only scan over its own contiguous key range. Rollups are written as time passes, every
 * tenant's minute next to every other's: fetched from the heap, a tenant's rows sat one per
 * page, and the query grew with the number of tenants (bench: tenants). One index still, so the
 * ingest's upserts maintain nothing more than before.
 */
export class Migration20261205100000RollupCoveringKey extends Migration {
  override up(): void {
    this.addSql(`alter table usage_rollup drop constraint usage_rollup_pkey,
      add primary key (tenant_id, meter, window_start, group_key)
        include (event_count, value_sum, value_max, latest_value, latest_time)`);
  }
}
