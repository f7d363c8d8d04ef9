import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subjects, type UsageThresholdEvent } from '@tenantbus/contracts';
import { TenantBus, TenantContext } from '@tenantbus/tenant-context';
import { USAGE_CONFIG } from '../common/tokens';
import { nextMonthStartUtc } from '../common/periods';
import type { UsageServiceConfig } from '../config/usage-service.config';
import { UsageMetrics } from '../metrics/usage.metrics';
import { UsageThresholdRecord } from './quota-records.entity';

/**
 * Publishes recorded threshold alerts after their transaction committed: the threshold row is
 * the outbox. Each alert's id is its JetStream `Nats-Msg-Id`, so a re-publish after a crash
 * between publish and commit is dropped by the stream's duplicate window (and consumers can
 * dedupe by `id` beyond it).
 */
@Injectable()
export class ThresholdRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ThresholdRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(USAGE_CONFIG) private readonly config: UsageServiceConfig,
    private readonly context: TenantContext,
    private readonly em: EntityManager,
    private readonly bus: TenantBus,
    private readonly metrics: UsageMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.relayPending()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.error({ msg: 'threshold relay round failed', error: String(error) }),
        )
        .finally(() => this.schedule());
    }, this.config.USAGE_ALERT_RELAY_MS);
  }

  /**
   * Publishes unpublished alerts, oldest first, and marks them in the same transaction. Rows are
   * claimed with `skip locked`, so replicas never publish the same alert; a crash after publish
   * and before commit republishes it under the same `Nats-Msg-Id`.
   */
  async relayPending(): Promise<number> {
    return this.context.asSystem(
      'relay usage threshold alerts',
      async () => {
        const pending = await this.em.find(
          UsageThresholdRecord,
          { publishedAt: null },
          {
            orderBy: { crossedAt: 'asc' },
            limit: 100,
            lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
          },
        );
        for (const alert of pending) {
          // Tenant alerts carry their tenant in the headers like every tenant message.
          await this.context.runWithTenant(alert.tenantId, () =>
            this.bus.publishDurable(Subjects.usageThreshold, this.payload(alert), alert.alertId),
          );
          alert.publishedAt = new Date();
          this.metrics.thresholds.inc({ threshold: String(alert.threshold) });
        }
        await this.em.flush();
        return pending.length;
      },
      { auditLevel: 'debug' },
    );
  }

  private payload(alert: UsageThresholdRecord): UsageThresholdEvent {
    return {
      id: alert.alertId,
      tenantId: alert.tenantId,
      meter: alert.meter,
      threshold: alert.threshold as UsageThresholdEvent['threshold'],
      used: alert.used,
      limit: alert.limitValue,
      period: {
        start: alert.periodStart.toISOString(),
        end: nextMonthStartUtc(alert.periodStart).toISOString(),
      },
      time: alert.crossedAt.toISOString(),
    };
  }
}
