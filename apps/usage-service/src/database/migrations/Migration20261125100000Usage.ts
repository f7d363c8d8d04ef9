import { Migration } from '@mikro-orm/migrations';
import { TENANT_STATE_TABLE_SQL } from '@tenantbus/tenant-context';

/**
 * Meters (global, seeded) and the usage tables (tenant-scoped; row-level security is applied by
 * the migration runner from the entities). Primary keys lead with tenant_id and cover what the
 * writer's `on conflict` clauses name, so dedupe and rollup upserts are index lookups.
 */
export class Migration20261125100000Usage extends Migration {
  override up(): void {
    this.addSql(TENANT_STATE_TABLE_SQL);
    this.addSql(`create table meter (
      name text primary key check (name ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$'),
      event_type text not null,
      aggregation text not null check (aggregation in ('SUM', 'COUNT', 'MAX', 'UNIQUE_COUNT', 'LATEST')),
      value_property text,
      group_by text[] not null default '{}',
      limit_key text,
      description text not null,
      check (aggregation = 'COUNT' or value_property is not null))`);
    this.addSql(`create index meter_event_type_idx on meter (event_type)`);
    this
      .addSql(`insert into meter (name, event_type, aggregation, value_property, group_by, limit_key, description) values
      ('api.requests', 'api.requests', 'SUM', 'value', '{route}', 'api_calls', 'API requests served'),
      ('sync.runs', 'sync.runs', 'SUM', 'value', '{outcome,subject}', 'sync_runs', 'Synchronisation runs (subject: the account)'),
      ('sync.records', 'sync.records', 'SUM', 'value', '{subject}', 'sync_records', 'Records synchronised (subject: the account)'),
      ('jobs.completed', 'jobs.completed', 'COUNT', null, '{queue}', null, 'Background jobs completed'),
      ('users.active', 'users.seen', 'UNIQUE_COUNT', 'user', '{}', 'active_users', 'Distinct active users'),
      ('api.concurrency_peak', 'api.concurrency', 'MAX', 'value', '{}', null, 'Peak concurrent API requests'),
      ('storage.bytes', 'storage.snapshot', 'LATEST', 'value', '{}', 'storage_bytes', 'Storage used (last reported)')`);

    this.addSql(`create table usage_event (
      tenant_id uuid not null,
      event_id text not null,
      type text not null,
      time timestamptz not null,
      subject text,
      data jsonb not null,
      flag text,
      received_at timestamptz not null default now(),
      primary key (tenant_id, event_id))`);
    this.addSql(`create table usage_rollup (
      tenant_id uuid not null,
      meter text not null,
      window_start timestamptz not null,
      group_key text not null,
      event_count bigint not null,
      value_sum double precision not null,
      value_max double precision,
      latest_value double precision,
      latest_time timestamptz not null,
      primary key (tenant_id, meter, window_start, group_key))`);
    this.addSql(`create table usage_unique (
      tenant_id uuid not null,
      meter text not null,
      window_start timestamptz not null,
      group_key text not null,
      value text not null,
      primary key (tenant_id, meter, window_start, group_key, value))`);
    this.addSql(`create table usage_period (
      tenant_id uuid not null,
      meter text not null,
      period_start timestamptz not null,
      event_count bigint not null,
      value_sum double precision not null,
      value_max double precision,
      latest_value double precision,
      latest_time timestamptz not null,
      unique_count bigint not null default 0,
      primary key (tenant_id, meter, period_start))`);
    this.addSql(`create table usage_period_unique (
      tenant_id uuid not null,
      meter text not null,
      period_start timestamptz not null,
      value text not null,
      primary key (tenant_id, meter, period_start, value))`);
    this.addSql(`create table usage_threshold (
      tenant_id uuid not null,
      meter text not null,
      period_start timestamptz not null,
      threshold integer not null check (threshold in (80, 100)),
      alert_id uuid not null unique,
      used double precision not null,
      limit_value double precision not null,
      crossed_at timestamptz not null default now(),
      published_at timestamptz,
      primary key (tenant_id, meter, period_start, threshold))`);
    this.addSql(
      `create index usage_threshold_unpublished_idx on usage_threshold (crossed_at) where published_at is null`,
    );
  }
}
