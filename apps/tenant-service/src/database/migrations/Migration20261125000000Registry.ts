import { Migration } from '@mikro-orm/migrations';

/** The tenant registry: plans, tenants, domains, API keys, members, invitations, audit, outbox. */
export class Migration20261125000000Registry extends Migration {
  override up(): void {
    this.addSql(`create table plan (
      code text primary key check (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      name text not null,
      limits jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    this.addSql(`insert into plan (code, name, limits) values
      ('free', 'Free', '{"api_calls": 10000, "sync_accounts": 2, "usage_events": 100000, "requests_per_second": 5}'),
      ('pro', 'Pro', '{"api_calls": 1000000, "sync_accounts": 50, "usage_events": 10000000, "requests_per_second": 50}'),
      ('enterprise', 'Enterprise', '{"api_calls": null, "sync_accounts": null, "usage_events": null, "requests_per_second": 500}')`);
    this.addSql(`create table tenant (
      id uuid primary key,
      slug text not null unique check (slug ~ '^[a-z0-9](-?[a-z0-9])*$' and length(slug) between 3 and 63),
      name text not null,
      status text not null default 'active' check (status in ('active', 'suspended', 'deleted')),
      plan_code text not null references plan (code),
      settings jsonb not null default '{}',
      external_ref text unique,
      suspended_reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz,
      purged_at timestamptz,
      version integer not null default 1)`);
    this.addSql(`create index tenant_created_idx on tenant (created_at, id)`);
    this.addSql(`create index tenant_status_plan_idx on tenant (status, plan_code)`);
    this.addSql(`create table domain (
      id uuid primary key,
      tenant_id uuid not null references tenant (id) on delete cascade,
      hostname text not null unique check (hostname = lower(hostname)),
      is_primary boolean not null default false,
      created_at timestamptz not null default now())`);
    this.addSql(
      `create unique index domain_one_primary_idx on domain (tenant_id) where is_primary`,
    );
    this.addSql(`create table api_key (
      id uuid primary key,
      tenant_id uuid not null references tenant (id) on delete cascade,
      name text not null,
      role text not null,
      prefix text not null unique,
      secret_hash text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz)`);
    this.addSql(`create index api_key_tenant_idx on api_key (tenant_id)`);
    this.addSql(`create table member (
      id uuid primary key,
      tenant_id uuid not null references tenant (id) on delete cascade,
      email text not null,
      role text not null check (role in ('owner', 'admin', 'member', 'viewer')),
      created_at timestamptz not null default now(),
      unique (tenant_id, email))`);
    this.addSql(`create table invitation (
      id uuid primary key,
      tenant_id uuid not null references tenant (id) on delete cascade,
      email text not null,
      role text not null check (role in ('owner', 'admin', 'member', 'viewer')),
      token_hash text not null unique,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz not null default now())`);
    this.addSql(`create index invitation_tenant_idx on invitation (tenant_id)`);
    this.addSql(`create table audit_event (
      id bigserial primary key,
      tenant_id uuid,
      actor text not null,
      action text not null,
      target_type text not null,
      target_id text not null,
      before jsonb,
      after jsonb,
      correlation_id text,
      created_at timestamptz not null default now())`);
    this.addSql(`create index audit_event_tenant_idx on audit_event (tenant_id, id)`);
    this.addSql(`create table outbox (
      id bigserial primary key,
      event_id uuid not null unique,
      tenant_id uuid not null,
      subject text not null,
      payload jsonb not null,
      headers jsonb not null,
      created_at timestamptz not null default now(),
      published_at timestamptz,
      attempts integer not null default 0)`);
    this.addSql(`create index outbox_unpublished_idx on outbox (id) where published_at is null`);
  }
}
