import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { Subjects } from '@tenantbus/contracts';
import { MetricsRegistry, OutboxService, TenantContext } from '@tenantbus/tenant-context';
import type { Counter } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';

export type UsageType = 'sync.runs' | 'sync.records' | 'api.requests';

/**
 * Usage events for the usage-service, written to the outbox in the transaction of the work they
 * count: a sync batch's records commit with their `sync.records` event, a run's end with its
 * `sync.runs` event, so a crash can neither lose committed usage nor count uncommitted work.
 * Each event gets its id once, in its row: a republish carries the same id, which the usage
 * stream and the usage-service's (tenant, event id) key both drop.
 *
 * API requests are counted in memory and written once per tenant every `USAGE_FLUSH_MS` (one
 * outbox row per tenant and interval, not one write per request — reads stay read-only): a crash
 * loses at most that interval's request counts, which were never committed.
 */
@Injectable()
export class UsageRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UsageRecorder.name);
  private readonly pendingRequests = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly recorded: Counter<'type'>;
  private readonly flushFailures: Counter;

  constructor(
    private readonly outbox: OutboxService,
    private readonly context: TenantContext,
    @Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig,
    metrics: MetricsRegistry,
  ) {
    this.recorded = metrics.counter('sync_usage_events_total', 'Usage events recorded', ['type']);
    this.flushFailures = metrics.counter(
      'sync_usage_flush_failures_total',
      'API request counts that could not be written yet (kept for the next flush)',
    );
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.USAGE_FLUSH_MS);
    this.timer.unref();
  }

  /** Before the database closes (that happens in `onApplicationShutdown`): the last counts in. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Enqueues one usage event of the current tenant in the current unit of work's transaction. */
  record(
    type: UsageType,
    value: number,
    options: { subject?: string; data?: Record<string, unknown> } = {},
  ): void {
    const id = randomUUID();
    this.outbox.enqueue(
      Subjects.usageEvent(type),
      {
        id,
        type,
        source: 'sync-service',
        time: new Date().toISOString(),
        subject: options.subject,
        data: { ...options.data, value },
      },
      { id },
    );
    this.recorded.inc({ type });
  }

  /** Counted in memory, written per tenant every `USAGE_FLUSH_MS` (one event per tenant). */
  countRequest(tenantId: string, requests = 1): void {
    this.pendingRequests.set(tenantId, (this.pendingRequests.get(tenantId) ?? 0) + requests);
  }

  /**
   * Drops a tenant's uncommitted request counts, waiting out a flush in flight (it may have taken
   * them, or put them back after a failure): its rows are then committed and can be erased.
   */
  async forget(tenantId: string): Promise<void> {
    this.pendingRequests.delete(tenantId);
    await this.flushing;
    this.pendingRequests.delete(tenantId);
  }

  flush(): Promise<void> {
    this.flushing ??= this.flushRequests().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushRequests(): Promise<void> {
    const batch = [...this.pendingRequests];
    this.pendingRequests.clear();
    for (const [tenantId, count] of batch) {
      try {
        await this.context.runWithTenant(tenantId, async () => this.record('api.requests', count), {
          actor: { kind: 'system', id: 'api-usage' },
        });
      } catch (error) {
        // Database away: the count waits for the next flush instead of being dropped.
        this.countRequest(tenantId, count);
        this.flushFailures.inc();
        this.logger.warn({
          msg: 'api request usage not written; retrying at the next flush',
          tenant: tenantId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
