import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { scopeTransaction } from '../common/scope-transaction';
import type { Aggregation } from '../meters/meter.entity';

export const WINDOWS = ['MINUTE', 'HOUR', 'DAY', 'MONTH'] as const;
export type WindowSize = (typeof WINDOWS)[number];

export interface SeriesQuery {
  readonly meter: string;
  readonly aggregation: Aggregation;
  readonly from: Date;
  readonly to: Date;
  readonly window?: WindowSize;
  readonly tz: string;
  readonly groupBy: readonly string[];
}

export interface SeriesRow {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly groupBy: Record<string, string | null>;
  readonly value: number;
}

export interface TopTenantRow {
  readonly tenantId: string;
  readonly slug: string | null;
  readonly name: string | null;
  readonly value: number;
}

/*
 * Windowed reads over the minute rollups, in SQL on purpose: buckets are cut with
 * `date_trunc(unit, ts at time zone tz)`, which knows every IANA zone's DST and month lengths.
 * They run in the caller's scope transaction, so row-level security limits a tenant to its own
 * rows (no hand-written tenant condition), and only `asSystem` sees across tenants (top-N).
 * Cost follows the queried range, not the history nor the number of tenants: the primary key
 * leads with (tenant_id, meter, window_start) and includes the aggregates, so a window is read
 * from the tenant's own stretch of the index, never from heap pages shared with other tenants.
 */

/** Each aggregation from rows that each hold one minute's aggregates. */
const VALUE: Record<Aggregation, string> = {
  SUM: 'sum(r.value_sum)',
  COUNT: 'sum(r.event_count)',
  MAX: 'max(r.value_max)',
  LATEST: '(array_agg(r.latest_value order by r.latest_time desc))[1]',
  // Over `usage_unique`: distinct values per minute, so distinct across any set of minutes is exact.
  UNIQUE_COUNT: 'count(distinct r.value)',
};

const PARAMS = `with p as (select ?::text as meter, ?::timestamptz as t0, ?::timestamptz as t1, ?::text as tz)`;

function tableOf(aggregation: Aggregation): string {
  return aggregation === 'UNIQUE_COUNT' ? 'usage_unique' : 'usage_rollup';
}

/** A JSON key we interpolate: meter group-by names are identifiers (checked again here). */
function groupExpr(property: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(property)) throw new Error(`bad group-by ${property}`);
  return `r.group_key::jsonb ->> '${property}'`;
}

/**
 * The bucket of a row. Days and months are cut on the local calendar (23- or 25-hour days on DST
 * changes). Minutes and hours are cut on the local clock but keep the UTC offset, so the hour
 * repeated when clocks go back stays two buckets instead of merging.
 */
function bucket(window: WindowSize | undefined): { start: string; end: string; key: string } {
  if (!window) return { start: 'p.t0', end: 'p.t1', key: 'p.t0' };
  const unit = window.toLowerCase();
  const local = `(r.window_start at time zone p.tz)`;
  if (window === 'DAY' || window === 'MONTH') {
    const key = `date_trunc('${unit}', ${local})`;
    return {
      key,
      start: `${key} at time zone p.tz`,
      end: `(${key} + interval '1 ${unit}') at time zone p.tz`,
    };
  }
  const offset = `(${local} - (r.window_start at time zone 'UTC'))`;
  const key = `((date_trunc('${unit}', ${local}) - ${offset}) at time zone 'UTC')`;
  return { key, start: key, end: `${key} + interval '1 ${unit}'` };
}

/**
 * A window query's SQL (`?` placeholders) and parameters. It reads only columns of the rollup's
 * primary key, which includes the aggregates: an index-only scan over the tenant's own key range.
 */
export function seriesStatement(query: SeriesQuery): { sql: string; params: string[] } {
  const b = bucket(query.window);
  const groups = query.groupBy.map((property, index) => `${groupExpr(property)} as g${index}`);
  const groupCols = query.groupBy.map((_, index) => `g${index}`);
  const sql = `${PARAMS}
      select min(${b.start}) as window_start, min(${b.end}) as window_end,
        ${[...groups, `${VALUE[query.aggregation]} as value`].join(', ')}
      from ${tableOf(query.aggregation)} r cross join p
      where r.meter = p.meter and r.window_start >= p.t0 and r.window_start < p.t1
      group by ${[b.key, ...groupCols].join(', ')}
      order by 1${groupCols.map((col) => `, ${col}`).join('')}`;
  return {
    sql,
    params: [query.meter, query.from.toISOString(), query.to.toISOString(), query.tz],
  };
}

@Injectable()
export class UsageQueryRepository {
  constructor(private readonly em: EntityManager) {}

  async series(query: SeriesQuery): Promise<SeriesRow[]> {
    const { sql, params } = seriesStatement(query);
    const { rows } = await scopeTransaction(this.em).raw<{ rows: Record<string, unknown>[] }>(
      sql,
      params,
    );
    return rows.map((row) => ({
      windowStart: new Date(row.window_start as string).toISOString(),
      windowEnd: new Date(row.window_end as string).toISOString(),
      groupBy: Object.fromEntries(
        query.groupBy.map((property, index) => [property, (row[`g${index}`] as string) ?? null]),
      ),
      value: Number(row.value ?? 0),
    }));
  }

  /** Needs system scope: ranks every tenant (names from the lifecycle projection). */
  async topTenants(
    query: Pick<SeriesQuery, 'meter' | 'aggregation' | 'from' | 'to'>,
    limit: number,
  ): Promise<TopTenantRow[]> {
    const sql = `${PARAMS}
      select r.tenant_id, min(s.slug) as slug, min(s.name) as name,
        ${VALUE[query.aggregation]} as value
      from ${tableOf(query.aggregation)} r cross join p
      left join tenant_state s on s.tenant_id = r.tenant_id
      where r.meter = p.meter and r.window_start >= p.t0 and r.window_start < p.t1
      group by r.tenant_id
      order by value desc nulls last, r.tenant_id
      limit ${Math.trunc(limit)}`;
    const { rows } = await scopeTransaction(this.em).raw<{
      rows: { tenant_id: string; slug: string | null; name: string | null; value: unknown }[];
    }>(sql, [query.meter, query.from.toISOString(), query.to.toISOString(), 'UTC']);
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      slug: row.slug,
      name: row.name,
      value: Number(row.value ?? 0),
    }));
  }
}
