import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Account } from '../accounts/account.entity';
import { AccountsService } from '../accounts/accounts.service';
import { Clock } from '../common/clock';
import { AccountNotFoundError, DateRangeInvalidError } from '../common/sync.errors';
import { CustomerDailyMetrics } from './customer-daily-metrics.entity';
import type {
  AccountMetricsQuery,
  CustomerAggregateView,
  MetricPointView,
  OccupancyView,
} from './dto/metrics.dto';
import { MetricPoint } from './metric-point.entity';

const DEFAULT_WINDOW_MS = 30 * 86_400_000;
/** A month of four metrics for one account is ~120 points; this bounds a careless range. */
const MAX_POINTS = 10_000;

/** Reads of synced metrics, per account and aggregated per customer (the seed's SQL). */
@Injectable()
export class AccountMetricsService {
  constructor(
    private readonly em: EntityManager,
    private readonly accounts: AccountsService,
    private readonly clock: Clock,
  ) {}

  async forAccount(
    accountId: string,
    { customer_id: customerId, start, end }: AccountMetricsQuery,
  ): Promise<MetricPointView[]> {
    this.accounts.assertOwnCustomer(customerId);
    const until = end ? new Date(end) : this.clock.now();
    const from = start ? new Date(start) : new Date(until.getTime() - DEFAULT_WINDOW_MS);
    if (from >= until) throw new DateRangeInvalidError(from.toISOString(), until.toISOString());
    if (!(await this.em.count(Account, { accountId, deletedAt: null })))
      throw new AccountNotFoundError({ account_id: accountId });
    const points = await this.em.find(
      MetricPoint,
      { accountId, time: { $gte: from, $lt: until } },
      { orderBy: { time: 'desc', metric: 'asc' }, limit: MAX_POINTS },
    );
    return points.map((point) => ({
      time: point.time.toISOString(),
      metric: point.metric,
      value: point.value,
    }));
  }

  /**
   * The seed's "total views per day" and "occupancy across accounts" for [start, end): grouped in
   * the database per day (`CustomerDailyMetrics`), the range's occupancy combined from daily
   * sums and counts. Like the seed's SQL it counts every account the customer owns.
   */
  async aggregate(
    customerId: string,
    startDate: string,
    endDate: string,
  ): Promise<CustomerAggregateView> {
    this.accounts.assertOwnCustomer(customerId);
    if (startDate >= endDate) throw new DateRangeInvalidError(startDate, endDate);
    const days = await this.em.find(
      CustomerDailyMetrics,
      { day: { $gte: startDate, $lt: endDate } },
      { orderBy: { day: 'desc' } },
    );
    return {
      customer_id: customerId,
      start_date: startDate,
      end_date: endDate,
      daily: days
        .filter((day) => day.chartPoints > 0)
        .map((day) => ({
          date: day.day,
          total_views: day.totalViews,
          total_contact_clicks: day.totalContactClicks,
          total_visitors: day.totalVisitors,
        })),
      occupancy: occupancyOf(days),
    };
  }
}

function occupancyOf(days: CustomerDailyMetrics[]): OccupancyView {
  const withValues = days.filter((day) => day.occupancyCount > 0);
  if (!withValues.length)
    return { avg_occupancy_rate: null, min_occupancy_rate: null, max_occupancy_rate: null };
  const sum = withValues.reduce((total, day) => total + (day.occupancySum ?? 0), 0);
  const count = withValues.reduce((total, day) => total + day.occupancyCount, 0);
  return {
    avg_occupancy_rate: sum / count,
    min_occupancy_rate: Math.min(...withValues.map((day) => day.occupancyMin ?? Infinity)),
    max_occupancy_rate: Math.max(...withValues.map((day) => day.occupancyMax ?? -Infinity)),
  };
}
