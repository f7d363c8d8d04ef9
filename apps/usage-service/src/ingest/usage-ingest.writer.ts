import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { UsageEvent } from '@tenantbus/contracts';
import { SCOPE_TENANT, scopeTransaction } from '../common/scope-transaction';
import { aggregate } from './usage-aggregates';
import type { Contribution } from './usage-event.evaluator';

/** A meter's running total for one period after a write. */
export interface PeriodTotals {
  readonly meter: string;
  readonly periodStart: string;
  readonly eventCount: number;
  readonly valueSum: number;
  readonly valueMax: number | null;
  readonly latestValue: number | null;
  readonly uniqueCount: number;
}

export interface WriteResult {
  /** Events not seen before (the rest were duplicates and changed nothing). */
  readonly inserted: number;
  readonly periods: PeriodTotals[];
}

/*
 * Every upsert takes its rows in key order, so two writers on one tenant (replicas sharing the
 * durable) lock rows in the same order: they queue behind each other instead of deadlocking.
 *
 * Set-based SQL, on purpose (STYLE.md otherwise keeps raw SQL out of feature code): one statement
 * records a whole tenant group's event ids and folds the new ones into every aggregate, ~50×
 * faster than per-row ORM writes. It runs in the tenant's scope transaction, so `tenant_id`
 * comes from the transaction's `app.tenant_id` (never from a payload) and row-level security
 * checks every row it writes or updates.
 *
 * The aggregates come folded by this process (`aggregate`), summed as if every event were new:
 * they apply only if exactly the expected number of events was new (`?::int`), else the statement
 * returns the ids that were, and the writer sends the aggregates of those alone (no events, 0
 * expected) — so a duplicate, however redelivered, never counts twice.
 */
const WRITE_SQL = `
with input as (
  -- The events as they came (keys the record does not name, like source, are ignored).
  select * from jsonb_to_recordset(?::jsonb)
    as e(id text, type text, time timestamptz, subject text, data jsonb)
), inserted as (
  insert into usage_event (tenant_id, event_id, type, time, subject, data, flag)
  select ${SCOPE_TENANT}, e.id, e.type, e.time, e.subject, e.data, ?::text from input e
  on conflict (tenant_id, event_id) do nothing
  returning event_id
), counted as (
  select count(*)::int as inserted, count(*) = ?::int as complete from inserted
), aggregates as (
  select ?::jsonb as a where (select complete from counted)
), minute as (
  insert into usage_rollup as r
    (tenant_id, meter, window_start, group_key, event_count, value_sum, value_max, latest_value, latest_time)
  select ${SCOPE_TENANT}, f.meter, f.start, f."groupKey", f.count, f.sum, f.max, f."latestValue",
    f."latestTime"
  from aggregates, jsonb_to_recordset(a -> 'minutes') as f(meter text, start timestamptz,
    "groupKey" text, count int, sum float8, max float8, "latestValue" float8, "latestTime" timestamptz)
  order by f.meter, f.start, f."groupKey"
  on conflict (tenant_id, meter, window_start, group_key) do update set
    event_count = r.event_count + excluded.event_count,
    value_sum = r.value_sum + excluded.value_sum,
    value_max = greatest(r.value_max, excluded.value_max),
    latest_value = case when excluded.latest_time >= r.latest_time
      then excluded.latest_value else r.latest_value end,
    latest_time = greatest(r.latest_time, excluded.latest_time)
), uniq as (
  insert into usage_unique (tenant_id, meter, window_start, group_key, value)
  select ${SCOPE_TENANT}, u.meter, u.start, u."groupKey", u.value
  from aggregates, jsonb_to_recordset(a -> 'uniques')
    as u(meter text, start timestamptz, "groupKey" text, value text)
  order by u.meter, u.start, u."groupKey", u.value
  on conflict do nothing
), period_uniq as (
  insert into usage_period_unique (tenant_id, meter, period_start, value)
  select ${SCOPE_TENANT}, u.meter, u.start, u.value
  from aggregates, jsonb_to_recordset(a -> 'periodUniques') as u(meter text, start timestamptz, value text)
  order by u.meter, u.start, u.value
  on conflict do nothing
  returning meter, period_start
), period as (
  insert into usage_period as t
    (tenant_id, meter, period_start, event_count, value_sum, value_max, latest_value, latest_time, unique_count)
  select ${SCOPE_TENANT}, f.meter, f.start, f.count, f.sum, f.max, f."latestValue", f."latestTime",
    (select count(*) from period_uniq pu where pu.meter = f.meter and pu.period_start = f.start)
  from aggregates, jsonb_to_recordset(a -> 'periods') as f(meter text, start timestamptz,
    count int, sum float8, max float8, "latestValue" float8, "latestTime" timestamptz)
  order by f.meter, f.start
  on conflict (tenant_id, meter, period_start) do update set
    event_count = t.event_count + excluded.event_count,
    value_sum = t.value_sum + excluded.value_sum,
    value_max = greatest(t.value_max, excluded.value_max),
    latest_value = case when excluded.latest_time >= t.latest_time
      then excluded.latest_value else t.latest_value end,
    latest_time = greatest(t.latest_time, excluded.latest_time),
    unique_count = t.unique_count + excluded.unique_count
  returning meter, period_start, event_count, value_sum, value_max, latest_value, unique_count
)
select (select inserted from counted) as inserted,
  (select case when complete then null else (select coalesce(json_agg(event_id), '[]') from inserted)
   end from counted) as fresh,
  (select coalesce(json_agg(json_build_object(
    'meter', meter, 'periodStart', period_start, 'eventCount', event_count, 'valueSum', value_sum,
    'valueMax', value_max, 'latestValue', latest_value, 'uniqueCount', unique_count)), '[]')
   from period) as periods`;

/** Writes one tenant's group of accepted events (see the note on `WRITE_SQL`). */
@Injectable()
export class UsageIngestWriter {
  constructor(private readonly em: EntityManager) {}

  async write(
    events: readonly UsageEvent[],
    contributions: readonly Contribution[],
    flag: string | null,
  ): Promise<WriteResult> {
    const first = await this.send(events, flag, contributions, events.length);
    if (!first.fresh) return { inserted: first.inserted, periods: periodTotals(first.periods) };
    // Some were duplicates: nothing was counted yet; count what was new.
    const fresh = new Set(first.fresh);
    const counted = contributions.filter((contribution) => fresh.has(contribution.eventId));
    if (!counted.length) return { inserted: 0, periods: [] };
    const second = await this.send([], flag, counted, 0);
    return { inserted: first.inserted, periods: periodTotals(second.periods) };
  }

  private async send(
    events: readonly UsageEvent[],
    flag: string | null,
    contributions: readonly Contribution[],
    expected: number,
  ): Promise<RawResult> {
    // Bound parameters on the scope's transaction: MikroORM's `execute` would inline (and
    // escape) megabytes of JSON into the statement text. Named, so each connection parses and
    // plans the statement once instead of once per tenant group.
    const {
      rows: [result],
    } = await scopeTransaction(this.em)
      .raw<{ rows: RawResult[] }>(WRITE_SQL, [
        JSON.stringify(events),
        flag,
        expected,
        JSON.stringify(aggregate(contributions)),
      ])
      .options({ name: 'usage_ingest_write' });
    return result;
  }
}

function periodTotals(periods: readonly RawPeriod[]): PeriodTotals[] {
  return periods.map((period) => ({
    ...period,
    periodStart: new Date(period.periodStart).toISOString(),
    eventCount: Number(period.eventCount),
    uniqueCount: Number(period.uniqueCount),
  }));
}

interface RawResult {
  inserted: number;
  /** The ids recorded, when not all were new (their aggregates were then not applied). */
  fresh: string[] | null;
  periods: RawPeriod[];
}

type RawPeriod = Omit<PeriodTotals, 'eventCount' | 'uniqueCount'> & {
  eventCount: number | string;
  uniqueCount: number | string;
};
