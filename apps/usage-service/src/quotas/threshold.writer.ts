import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { SCOPE_TENANT, scopeTransaction } from '../common/scope-transaction';

/** A threshold a write made the tenant reach, before we know whether it is the first time. */
export interface ThresholdCandidate {
  readonly alertId: string;
  readonly meter: string;
  readonly periodStart: string;
  readonly threshold: number;
  readonly used: number;
  readonly limit: number;
}

/**
 * The unique key decides who records a threshold first: only rows this statement inserted come
 * back, so concurrent or redelivered writes can never alert twice.
 */
const THRESHOLD_SQL = `
insert into usage_threshold (tenant_id, meter, period_start, threshold, alert_id, used, limit_value)
select ${SCOPE_TENANT}, c.meter, c.period_start, c.threshold, c.alert_id, c.used, c.limit_value
from json_to_recordset(?::json) as c(alert_id uuid, meter text, period_start timestamptz,
  threshold int, used float8, limit_value float8)
on conflict (tenant_id, meter, period_start, threshold) do nothing
returning alert_id`;

/**
 * Raw SQL like the ingest writer, for the same transaction: `insert … on conflict do nothing
 * returning` is the primitive that tells the one winner of a race that it won.
 */
@Injectable()
export class ThresholdWriter {
  constructor(private readonly em: EntityManager) {}

  /** Records the candidates not recorded before; returns the alert ids that are new. */
  async recordThresholds(candidates: readonly ThresholdCandidate[]): Promise<string[]> {
    const rows = candidates.map((c) => ({
      alert_id: c.alertId,
      meter: c.meter,
      period_start: c.periodStart,
      threshold: c.threshold,
      used: c.used,
      limit_value: c.limit,
    }));
    const { rows: inserted } = await scopeTransaction(this.em).raw<{
      rows: { alert_id: string }[];
    }>(THRESHOLD_SQL, [JSON.stringify(rows)]);
    return inserted.map((row) => row.alert_id);
  }
}
