import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../../common/clock';
import { SYNC_CONFIG, type SyncServiceConfig } from '../../config/sync-service.config';
import type { MetricRecord, ProviderAccount, SyncBatch, SyncProvider } from './sync-provider';

const DAY_MS = 86_400_000;
const DAYS_PER_BATCH = 7;

/** Ranges per metric: views, clicks and visitors are counts, occupancy a rate in [0, 1]. */
const METRICS: readonly { name: string; min: number; max: number; decimals: number }[] = [
  { name: 'home_page_views', min: 50, max: 500, decimals: 0 },
  { name: 'contact_host_clicks', min: 0, max: 30, decimals: 0 },
  { name: 'visitors_views', min: 20, max: 300, decimals: 0 },
  { name: 'avg_occupancy_rate', min: 0, max: 1, decimals: 4 },
];

/**
 * Deterministic daily metrics for demos, tests and benchmarks: every value is a pure function of
 * (account id, day, metric), so the same account always shows the same numbers and a re-sync
 * rewrites identical rows. The checkpoint is the next day to fetch; it backfills
 * `SYNC_SIMULATED_HISTORY_DAYS` in batches of a week, then refreshes today on every run.
 */
@Injectable()
export class SimulatedProvider implements SyncProvider {
  readonly name = 'simulated';

  constructor(
    private readonly clock: Clock,
    @Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig,
  ) {}

  async fetch(account: ProviderAccount, checkpoint: string | null): Promise<SyncBatch> {
    const today = startOfDay(this.clock.now());
    const first = checkpoint
      ? new Date(`${checkpoint}T00:00:00Z`)
      : new Date(today - this.config.SYNC_SIMULATED_HISTORY_DAYS * DAY_MS);
    const from = Math.min(first.getTime(), today);
    const to = Math.min(from + (DAYS_PER_BATCH - 1) * DAY_MS, today);
    const records: MetricRecord[] = [];
    for (let day = from; day <= to; day += DAY_MS) {
      for (const metric of METRICS) {
        records.push({
          metric: metric.name,
          time: new Date(day),
          value: simulatedValue(account.accountId, day, metric),
        });
      }
    }
    const next = to === today ? today : to + DAY_MS;
    return {
      records,
      nextCheckpoint: new Date(next).toISOString().slice(0, 10),
      hasMore: to < today,
    };
  }
}

function startOfDay(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS) * DAY_MS;
}

/** A value in [min, max] from a hash of its coordinates: stable across runs and machines. */
export function simulatedValue(
  accountId: string,
  day: number,
  metric: { name: string; min: number; max: number; decimals: number },
): number {
  const digest = createHash('sha256').update(`${accountId}|${day}|${metric.name}`).digest();
  const unit = digest.readUInt32BE(0) / 0xffffffff;
  const factor = 10 ** metric.decimals;
  return Math.round((metric.min + unit * (metric.max - metric.min)) * factor) / factor;
}
