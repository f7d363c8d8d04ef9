import { Injectable } from '@nestjs/common';
import type { PlanLimits } from '@tenantbus/contracts';
import { randomUUID } from 'node:crypto';
import { MeterCatalog } from '../meters/meter-catalog';
import type { PeriodTotals } from '../ingest/usage-ingest.writer';
import { ThresholdWriter, type ThresholdCandidate } from './threshold.writer';
import { limitOf, reachedThresholds, usedOf } from './quota-math';

/**
 * Inside the ingest transaction: every threshold the new totals reach is recorded unless it was
 * before. The alert itself goes out after commit (`ThresholdRelay`), so nothing is announced that
 * was rolled back.
 */
@Injectable()
export class QuotaAlerts {
  constructor(
    private readonly catalog: MeterCatalog,
    private readonly writer: ThresholdWriter,
  ) {}

  async recordCrossed(periods: readonly PeriodTotals[], limits: PlanLimits): Promise<void> {
    const candidates: ThresholdCandidate[] = [];
    for (const totals of periods) {
      const meter = this.catalog.get(totals.meter);
      if (!meter) continue;
      const limit = limitOf(meter, limits);
      const used = usedOf(meter, totals);
      for (const threshold of reachedThresholds(used, limit)) {
        candidates.push({
          alertId: randomUUID(),
          meter: meter.name,
          periodStart: totals.periodStart,
          threshold,
          used,
          limit: limit as number,
        });
      }
    }
    if (!candidates.length) return;
    await this.writer.recordThresholds(candidates);
  }
}
