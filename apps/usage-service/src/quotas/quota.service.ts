import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { QuotaStatus } from '@tenantbus/contracts';
import { TenantGate } from '../lifecycle/tenant-gate';
import { monthStartUtc, nextMonthStartUtc } from '../common/periods';
import { MeterCatalog } from '../meters/meter-catalog';
import type { Meter } from '../meters/meter.entity';
import { MeterNotFoundError } from '../usage/usage.errors';
import { UsagePeriodTotal } from './quota-records.entity';
import { limitOf, usedOf } from './quota-math';

/** seed 004's `checkQuota`, for the current tenant and the current period (calendar month, UTC). */
@Injectable()
export class QuotaService {
  constructor(
    private readonly catalog: MeterCatalog,
    private readonly gate: TenantGate,
    private readonly em: EntityManager,
  ) {}

  async status(meterName: string, now = new Date()): Promise<QuotaStatus> {
    const meter = this.catalog.get(meterName);
    if (!meter) throw new MeterNotFoundError(meterName);
    const [status] = await this.statuses([meter], now);
    return status;
  }

  /** Every meter a plan can limit (limit null: this tenant's plan does not). */
  list(now = new Date()): Promise<QuotaStatus[]> {
    return this.statuses(
      this.catalog.all().filter((meter) => meter.limitKey),
      now,
    );
  }

  private async statuses(meters: Meter[], now: Date): Promise<QuotaStatus[]> {
    const periodStart = monthStartUtc(now);
    const period = {
      start: periodStart.toISOString(),
      end: nextMonthStartUtc(now).toISOString(),
    };
    const limits = (await this.gate.state())?.limits ?? {};
    const totals = await this.em.find(UsagePeriodTotal, {
      meter: { $in: meters.map((meter) => meter.name) },
      periodStart,
    });
    return meters.map((meter) => {
      const row = totals.find((total) => total.meter === meter.name);
      const used = usedOf(
        meter,
        row
          ? { ...row, eventCount: Number(row.eventCount), uniqueCount: Number(row.uniqueCount) }
          : null,
      );
      const limit = limitOf(meter, limits);
      return {
        meter: meter.name,
        used,
        limit,
        remaining: limit === null ? null : Math.max(0, limit - used),
        period,
      };
    });
  }
}
