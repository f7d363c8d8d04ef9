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
import type { Counter } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';

export type UsageType = 'sync.runs' | 'sync.records' | 'api.requests';

interface PendingEvent {
  readonly tenantId: string;
  readonly type: UsageType;
  readonly id: string;
  readonly time: string;
  readonly subject?: string;
  readonly data: Record<string, unknown>;
}

/** Events kept for retry while NATS is away; beyond this the oldest are dropped. */
const MAX_RETRY = 10_000;

/**
 * Usage events for the usage-service, each published durably in its tenant's context with an
 * idempotency id (JetStream drops a re-publish of the same id). Usage is never worth failing the
 * work it measures: a publish that fails is logged, counted (`sync_usage_publish_failures_total`)
 * and retried with the same id on every flush, from a bounded in-memory buffer (lost if the
 * process dies first — an outbox would close that gap).
 */
@Injectable()
export class UsagePublisher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UsagePublisher.name);
  private readonly instance = randomUUID();
  private readonly pendingRequests = new Map<string, number>();
  private readonly retry: PendingEvent[] = [];
  private sequence = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  private readonly failures: Counter<'type'>;
  private readonly published: Counter<'type'>;
  private readonly dropped: Counter<'type'>;

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
    this.dropped = metrics.counter(
      'sync_usage_events_dropped_total',
      'Usage events given up after the retry buffer filled',
      ['type'],
    );
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

  /** Publishes one event in the tenant's scope; one that fails is retried on every flush. */
  async publish(
    tenantId: string,
    type: UsageType,
    value: number,
    options: { id: string; subject?: string; data?: Record<string, unknown> },
  ): Promise<void> {
    const event: PendingEvent = {
      tenantId,
      type,
      id: options.id,
      time: new Date().toISOString(),
      subject: options.subject,
      data: { ...options.data, value },
    };
    if (!(await this.send(event))) this.keep(event);
  }

  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    // Retried with their own id: JetStream drops one that did arrive, so nothing counts twice.
    for (const event of this.retry.splice(0)) {
      if (!(await this.send(event))) this.keep(event);
    }
    const batch = [...this.pendingRequests];
    this.pendingRequests.clear();
    for (const [tenantId, count] of batch) {
      this.sequence += 1;
      await this.publish(tenantId, 'api.requests', count, {
        id: `api.requests:${this.instance}:${this.sequence}`,
      });
    }
  }

  private async send(event: PendingEvent): Promise<boolean> {
    try {
      await this.context.runWithTenant(event.tenantId, () =>
        this.bus.publishDurable(
          Subjects.usageEvent(event.type),
          {
            id: event.id,
            type: event.type,
            source: 'sync-service',
            time: event.time,
            subject: event.subject,
            data: event.data,
          },
          event.id,
        ),
      );
      this.published.inc({ type: event.type });
      return true;
    } catch (error) {
      this.failures.inc({ type: event.type });
      this.logger.warn({
        msg: 'usage event not published; retrying at the next flush',
        type: event.type,
        tenant: event.tenantId,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  /** Bounded: in a long outage the oldest go first (counted), memory does not grow without end. */
  private keep(event: PendingEvent): void {
    if (this.retry.length >= MAX_RETRY) {
      const dropped = this.retry.shift()!;
      this.dropped.inc({ type: dropped.type });
    }
    this.retry.push(event);
  }
}
