import { Migration } from '@mikro-orm/migrations';
import { TENANT_STATE_TABLE_SQL } from '@tenantbus/tenant-context';

/**
 * The lib's tenant state, accounts, their metric points, reassignment audit and per-tenant sync
 * policy. Tables and indexes
 * only: grants and row-level security are applied by `migrateDatabase` from the entity metadata.
 */
export class Migration20261125100000Sync extends Migration {
  override up(): void {
    this.addSql(TENANT_STATE_TABLE_SQL);
    this.addSql(`create table account (
      tenant_id uuid not null,
      account_id text not null check (length(account_id) between 1 and 255),
      display_name text,
      provider text not null default 'simulated' check (provider in ('simulated', 'http')),
      is_active boolean not null default true,
      credentials_key_id text,
      credentials_ciphertext text,
      sync_status text not null default 'idle'
        check (sync_status in ('idle', 'queued', 'running', 'succeeded', 'failed')),
      last_sync_at timestamptz,
      last_error text,
      sync_checkpoint text,
      consecutive_failures integer not null default 0,
      next_sync_at timestamptz not null default now(),
      lease_owner text,
      lease_expires_at timestamptz,
      deleted_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, account_id),
      check ((credentials_key_id is null) = (credentials_ciphertext is null)))`);
    // The seed's idx_accounts_customer_id is the primary key itself (customer = tenant_id leads it).
    this.addSql(`create index account_customer_active_idx on account (tenant_id, is_active)
      where deleted_at is null`);
    // The scheduler's scan for due accounts.
    this.addSql(`create index account_due_idx on account (next_sync_at)
      where is_active and deleted_at is null`);
    this.addSql(`create index account_credentials_key_idx on account (credentials_key_id)`);
    this.addSql(`create table metric_point (
      tenant_id uuid not null,
      account_id text not null,
      metric text not null check (metric ~ '^[a-z][a-z0-9_]{0,62}$'),
      time timestamptz not null,
      value double precision not null,
      synced_at timestamptz not null default now(),
      primary key (tenant_id, account_id, metric, time),
      -- Points follow their account when it is reassigned, and go when it is erased.
      foreign key (tenant_id, account_id) references account (tenant_id, account_id)
        on update cascade on delete cascade)`);
    this.addSql(`create index metric_point_tenant_time_idx on metric_point (tenant_id, time)`);
    this.addSql(`create table account_audit (
      tenant_id uuid not null,
      id uuid not null,
      account_id text not null,
      action text not null,
      old_customer_id uuid not null,
      new_customer_id uuid not null,
      actor text not null,
      correlation_id text,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id))`);
    this.addSql(
      `create index account_audit_account_idx on account_audit (tenant_id, account_id, created_at)`,
    );
    this.addSql(`create table sync_policy (
      tenant_id uuid primary key,
      plan_code text not null,
      interval_ms integer not null check (interval_ms > 0),
      max_accounts integer check (max_accounts >= 0),
      paused boolean not null default false,
      stopped boolean not null default false,
      last_leased_at timestamptz,
      updated_at timestamptz not null default now())`);
  }
}
