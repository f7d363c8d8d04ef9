import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { BusNaming, Subjects } from '@tenantbus/contracts';
import {
  ensureUsageStream,
  MetricsRegistry,
  NATS_CONNECTION,
  TenantBus,
  TenantContext,
} from '@tenantbus/tenant-context';
import type { NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';

export type UsageType = 'sync.runs' | 'sync.records' | 'api.requests';

/**
 * Usage events for the usage-service, each published durably in its tenant's context with an
 * idempotency id (JetStream drops a re-publish of the same id). Usage is never worth failing the
 * work it measures: a publish that fails is logged and counted (`sync_usage_publish_failures_total`),
 * and api.requests counts are kept for the next flush.
 */
@Injectable()
export class UsagePublisher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UsagePublisher.name);
  private readonly instance = randomUUID();
  private readonly pendingRequests = new Map<string, number>();
  private sequence = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  private readonly failures;
  private readonly published;

  constructor(
    private readonly bus: TenantBus,
    private readonly context: TenantContext,
    private readonly naming: BusNaming,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig,
    metrics: MetricsRegistry,
  ) {
    this.failures = metrics.counter(
      'sync_usage_publish_failures_total',
      'Usage events that could not be published',
      ['type'],
    );
    this.published = metrics.counter('sync_usage_events_total', 'Usage events published', ['type']);
  }

  async onModuleInit(): Promise<void> {
    await ensureUsageStream(this.nc, this.naming);
    this.timer = setInterval(() => void this.flush(), this.config.USAGE_FLUSH_MS);
    this.timer.unref();
  }

  /** Before any connection closes (those go in `onApplicationShutdown`): the last counts out. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Counted in memory, published per tenant every `USAGE_FLUSH_MS` (one event per tenant). */
  countRequest(tenantId: string): void {
    this.pendingRequests.set(tenantId, (this.pendingRequests.get(tenantId) ?? 0) + 1);
  }

  /** Publishes one event in the tenant's scope; returns whether it was accepted. */
  async publish(
    tenantId: string,
    type: UsageType,
    value: number,
    options: { id: string; subject?: string; data?: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      await this.context.runWithTenant(tenantId, () =>
        this.bus.publishDurable(
          Subjects.usageEvent(type),
          {
            id: options.id,
            type,
            source: 'sync-service',
            time: new Date().toISOString(),
            subject: options.subject,
            data: { ...options.data, value },
          },
          options.id,
        ),
      );
      this.published.inc({ type });
      return true;
    } catch (error) {
      this.failures.inc({ type });
      this.logger.warn({
        msg: 'usage event not published',
        type,
        tenant: tenantId,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  flush(): Promise<void> {
    this.flushing ??= this.flushRequests().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushRequests(): Promise<void> {
    const batch = [...this.pendingRequests];
    this.pendingRequests.clear();
    for (const [tenantId, count] of batch) {
      this.sequence += 1;
      const id = `api.requests:${this.instance}:${this.sequence}`;
      const ok = await this.publish(tenantId, 'api.requests', count, { id });
      // Kept for the next flush; the new event gets a new id, so nothing is counted twice.
      if (!ok) this.countRequests(tenantId, count);
    }
  }

  private countRequests(tenantId: string, count: number): void {
    this.pendingRequests.set(tenantId, (this.pendingRequests.get(tenantId) ?? 0) + count);
  }
}
