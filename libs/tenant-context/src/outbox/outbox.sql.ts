/** The channel the outbox's insert trigger notifies; the relay LISTENs on it. */
export const OUTBOX_CHANNEL = 'tenantbus_outbox';

/**
 * Wakes the relay when an enqueuing transaction commits: Postgres delivers a NOTIFY only at
 * commit (never for a rollback) and folds identical ones, so a statement trigger costs one
 * notification per transaction, whatever wrote the rows (ORM or SQL).
 */
export const OUTBOX_NOTIFY_SQL = [
  `create or replace function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('${OUTBOX_CHANNEL}', '');
  return null;
end $$`,
  `drop trigger if exists outbox_notify on outbox`,
  `create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify()`,
];

/** For a service's migration: the table `OutboxEvent` maps to, its relay's index and trigger. */
export const OUTBOX_TABLE_SQL = [
  `create table if not exists outbox (
  id bigserial primary key,
  event_id uuid not null unique,
  tenant_id uuid,
  subject text not null,
  payload jsonb not null,
  headers jsonb not null,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  attempts integer not null default 0)`,
  `create index if not exists outbox_unpublished_idx on outbox (id) where published_at is null`,
  ...OUTBOX_NOTIFY_SQL,
];
