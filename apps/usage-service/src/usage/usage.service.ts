import { Injectable } from '@nestjs/common';
import { MeterCatalog } from '../meters/meter-catalog';
import type { Meter } from '../meters/meter.entity';
import type { TopTenantView, UsageQuery, UsageRangeQuery, UsageSeriesView } from './dto/usage.dto';
import { MeterNotFoundError, UsageQueryInvalidError } from './usage.errors';
import { UsageQueryRepository, type WindowSize } from './usage-query.repository';

/** Most buckets one query may return (a year of hours); beyond that, ask for a larger window. */
const MAX_BUCKETS = 10_000;
const WINDOW_MS: Record<WindowSize, number> = {
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  MONTH: 28 * 86_400_000,
};

@Injectable()
export class UsageService {
  constructor(
    private readonly catalog: MeterCatalog,
    private readonly repository: UsageQueryRepository,
  ) {}

  async series(query: UsageQuery): Promise<UsageSeriesView> {
    const { meter, from, to } = this.range(query);
    const tz = query.tz ?? 'UTC';
    if (!isTimeZone(tz)) throw new UsageQueryInvalidError(`Unknown time zone ${tz}`, { tz });
    const groupBy = [...new Set(query.groupBy ?? [])];
    const unknown = groupBy.filter((property) => !meter.groupBy.includes(property));
    if (unknown.length)
      throw new UsageQueryInvalidError(`${meter.name} cannot be grouped by ${unknown.join(', ')}`, {
        groupBy: unknown,
        allowed: meter.groupBy,
      });
    if (query.window && (to.getTime() - from.getTime()) / WINDOW_MS[query.window] > MAX_BUCKETS)
      throw new UsageQueryInvalidError(`More than ${MAX_BUCKETS} windows: use a larger window`, {
        window: query.window,
      });
    const data = await this.repository.series({
      meter: meter.name,
      aggregation: meter.aggregation,
      from,
      to,
      window: query.window,
      tz,
      groupBy,
    });
    return {
      meter: meter.name,
      aggregation: meter.aggregation,
      window: query.window,
      tz,
      from: from.toISOString(),
      to: to.toISOString(),
      data,
    };
  }

  /** Call in system scope: ranks all tenants. */
  async topTenants(query: UsageRangeQuery, limit: number): Promise<TopTenantView[]> {
    const { meter, from, to } = this.range(query);
    return this.repository.topTenants(
      { meter: meter.name, aggregation: meter.aggregation, from, to },
      limit,
    );
  }

  private range(query: UsageRangeQuery): { meter: Meter; from: Date; to: Date } {
    const meter = this.catalog.get(query.meter);
    if (!meter) throw new MeterNotFoundError(query.meter);
    // Rollups are per minute: a range starts and ends on whole minutes.
    const from = floorMinute(new Date(query.from));
    const to = floorMinute(query.to ? new Date(query.to) : new Date(Date.now() + 60_000));
    if (from >= to)
      throw new UsageQueryInvalidError('from must be before to', {
        from: query.from,
        to: query.to,
      });
    return { meter, from, to };
  }
}

function floorMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
