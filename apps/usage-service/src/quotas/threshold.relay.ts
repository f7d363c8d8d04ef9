import { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subjects } from '@tenantbus/contracts';
import { TenantBus, TenantContext } from '@tenantbus/tenant-context';
import { USAGE_CONFIG } from '../common/tokens';
import { nextMonthStartUtc } from '../common/periods';
import type { UsageServiceConfig } from '../config/usage-service.config';
import { UsageMetrics } from '../metrics/usage.metrics';
import { UsageThresholdRecord } from './quota-records.entity';

/**
 * Publishes recorded threshold alerts after their transaction committed: the threshold row is
 * the outbox. Each alert's id is its JetStream `Nats-Msg-Id`, so a re-publish after a crash
 * between publish and marking is dropped by the stream's duplicate window (and subscribers can
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

  /** Publishes every unpublished alert, oldest first; returns how many went out. */
  async relayPending(): Promise<number> {
    const pending = await this.context.asSystem(
      'relay usage threshold alerts',
      () =>
        this.em.find(
          UsageThresholdRecord,
          { publishedAt: null },
          { orderBy: { crossedAt: 'asc' }, limit: 100 },
        ),
      { auditLevel: 'debug' },
    );
    for (const alert of pending) {
      await this.context.runWithTenant(alert.tenantId, async () => {
        await this.bus.publishDurable(
          Subjects.usageThreshold,
          {
            id: alert.alertId,
            tenantId: alert.tenantId,
            meter: alert.meter,
            threshold: alert.threshold as 80 | 100,
            used: alert.used,
            limit: alert.limitValue,
            period: {
              start: alert.periodStart.toISOString(),
              end: nextMonthStartUtc(alert.periodStart).toISOString(),
            },
            time: alert.crossedAt.toISOString(),
          },
          alert.alertId,
        );
        await this.em.nativeUpdate(
          UsageThresholdRecord,
          { meter: alert.meter, periodStart: alert.periodStart, threshold: alert.threshold },
          { publishedAt: new Date() },
        );
      });
      this.metrics.thresholds.inc({ threshold: String(alert.threshold) });
    }
    return pending.length;
  }
}
