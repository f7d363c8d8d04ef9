import { Injectable } from '@nestjs/common';
import type { UsageEvent } from '@tenantbus/contracts';
import type { BatchItem, BatchRejection } from '@tenantbus/tenant-context';
import { MeterCatalog } from '../meters/meter-catalog';
import { UsageMetrics } from '../metrics/usage.metrics';
import { QuotaAlerts } from '../quotas/quota-alerts';
import { TenantGate } from '../lifecycle/tenant-gate';
import { UsageEventRules } from './usage-event.rules';
import type { Contribution } from './usage-event.evaluator';
import { UsageIngestWriter } from './usage-ingest.writer';

type Item = BatchItem<UsageEvent>;

/**
 * One tenant's share of a fetched batch, inside that tenant's transaction: refuse what may not
 * count (with a reason), write the rest at once, and record crossed quota thresholds in the same
 * transaction — so a redelivered batch finds its events already recorded and changes nothing.
 */
@Injectable()
export class UsageIngestService {
  constructor(
    private readonly gate: TenantGate,
    private readonly catalog: MeterCatalog,
    private readonly rules: UsageEventRules,
    private readonly writer: UsageIngestWriter,
    private readonly alerts: QuotaAlerts,
    private readonly metrics: UsageMetrics,
  ) {}

  async ingest(items: readonly Item[]): Promise<BatchRejection<UsageEvent>[]> {
    const admission = await this.gate.admitEvents();
    if (!admission.ok) {
      this.metrics.events.inc({ outcome: 'rejected' }, items.length);
      return items.map((item) => ({ item, ...admission }));
    }
    const rejections: BatchRejection<UsageEvent>[] = [];
    const accepted: UsageEvent[] = [];
    const contributions: Contribution[] = [];
    const seen = new Set<string>();
    const now = Date.now();
    for (const item of items) {
      const event = item.payload;
      // A repeated id inside one batch is a duplicate like any other: acked, counted once.
      if (seen.has(event.id)) continue;
      const evaluation = this.rules.evaluate(event, this.catalog.forEventType(event.type), now);
      if (!evaluation.ok) {
        rejections.push({ item, reason: evaluation.reason, detail: evaluation.detail });
        continue;
      }
      seen.add(event.id);
      accepted.push(event);
      contributions.push(...evaluation.contributions);
    }
    if (accepted.length) {
      const result = await this.writer.write(accepted, contributions, admission.flag);
      await this.alerts.recordCrossed(result.periods, admission.limits);
      this.metrics.events.inc({ outcome: 'accepted' }, result.inserted);
      this.metrics.events.inc(
        { outcome: 'duplicate' },
        items.length - rejections.length - result.inserted,
      );
    }
    this.metrics.events.inc({ outcome: 'rejected' }, rejections.length);
    this.metrics.batchSize.observe(items.length);
    return rejections;
  }
}
