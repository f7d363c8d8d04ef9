import { Inject, Injectable } from '@nestjs/common';
import type { PlanLimits } from '@tenantbus/contracts';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';

/** The plan limit that overrides the interval table, in seconds. */
export const SYNC_INTERVAL_LIMIT = 'sync_interval_seconds';
/** The plan limit on accounts (tenant-service's seeded plans carry it). */
export const ACCOUNT_LIMIT = 'sync_accounts';

/**
 * When accounts sync: the interval a plan buys (plan limit `sync_interval_seconds`, else the
 * `SYNC_PLAN_INTERVALS_MS` table by plan code, else the default), plus jitter so accounts created
 * together do not sync together; after failures, exponential backoff with the same jitter.
 */
@Injectable()
export class SyncTiming {
  constructor(@Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig) {}

  intervalFor(plan: { code: string; limits: PlanLimits }): number {
    const seconds = plan.limits[SYNC_INTERVAL_LIMIT];
    if (typeof seconds === 'number' && seconds > 0) return Math.round(seconds * 1_000);
    return (
      this.config.SYNC_PLAN_INTERVALS_MS.get(plan.code) ?? this.config.SYNC_DEFAULT_INTERVAL_MS
    );
  }

  nextRun(now: Date, intervalMs: number): Date {
    return new Date(now.getTime() + this.jittered(intervalMs));
  }

  /** After the n-th consecutive failure (n ≥ 1). */
  retryAt(now: Date, failures: number): Date {
    const { SYNC_RETRY_BASE_MS: base, SYNC_RETRY_MAX_MS: max } = this.config;
    const delay = Math.min(max, base * 2 ** Math.min(failures - 1, 30));
    return new Date(now.getTime() + this.jittered(delay));
  }

  private jittered(ms: number): number {
    return Math.round(ms * (1 + this.config.SYNC_JITTER_RATIO * Math.random()));
  }
}
