import type { PlanLimits } from '@tenantbus/contracts';
import type { Meter } from '../meters/meter.entity';

export const THRESHOLDS = [80, 100] as const;

/** The running totals of a meter in a period, as stored in `usage_period`. */
export interface Totals {
  readonly eventCount: number;
  readonly valueSum: number;
  readonly valueMax: number | null;
  readonly latestValue: number | null;
  readonly uniqueCount: number;
}

/** A period's usage of a meter, by the meter's aggregation. */
export function usedOf(meter: Pick<Meter, 'aggregation'>, totals: Totals | null): number {
  if (!totals) return 0;
  switch (meter.aggregation) {
    case 'SUM':
      return totals.valueSum;
    case 'COUNT':
      return totals.eventCount;
    case 'MAX':
      return totals.valueMax ?? 0;
    case 'LATEST':
      return totals.latestValue ?? 0;
    case 'UNIQUE_COUNT':
      return totals.uniqueCount;
  }
}

/** The plan's limit for a meter; null when the meter is not limited or the plan says unlimited. */
export function limitOf(meter: Pick<Meter, 'limitKey'>, limits: PlanLimits): number | null {
  if (!meter.limitKey) return null;
  return limits[meter.limitKey] ?? null;
}

/** Thresholds (percent of the limit) that `used` has reached; none without usage or limit. */
export function reachedThresholds(used: number, limit: number | null): number[] {
  if (limit === null || used <= 0) return [];
  return THRESHOLDS.filter((threshold) => used * 100 >= limit * threshold);
}
