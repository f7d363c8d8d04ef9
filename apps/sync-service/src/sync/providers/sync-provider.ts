import { TenantbusError } from '@tenantbus/tenant-context';
import type { Credentials } from '../../credentials/credentials.cipher';

/** What a provider is given: never more than the account it syncs. */
export interface ProviderAccount {
  readonly tenantId: string;
  readonly accountId: string;
  readonly credentials: Credentials | null;
}

export interface MetricRecord {
  readonly metric: string;
  readonly time: Date;
  readonly value: number;
}

/** One page of records and where to resume; `hasMore` asks for another batch in the same run. */
export interface SyncBatch {
  readonly records: MetricRecord[];
  readonly nextCheckpoint: string | null;
  readonly hasMore: boolean;
}

/** A source of account metrics. Implementations must be safe to call again with the same checkpoint. */
export interface SyncProvider {
  readonly name: string;
  fetch(account: ProviderAccount, checkpoint: string | null): Promise<SyncBatch>;
}

/** A provider failure with a stable code; its message must never contain credentials. */
export class ProviderError extends TenantbusError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 502, details);
  }
}

const METRIC_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Refuses records the store would reject, with a clear code instead of a database error. */
export function assertValidRecords(records: readonly MetricRecord[]): void {
  for (const record of records) {
    if (
      !METRIC_NAME.test(record.metric) ||
      !(record.time instanceof Date) ||
      Number.isNaN(record.time.getTime()) ||
      !Number.isFinite(record.value)
    ) {
      throw new ProviderError(
        'PROVIDER_RECORD_INVALID',
        'The provider returned an invalid record',
        {
          metric: String(record.metric).slice(0, 64),
        },
      );
    }
  }
}
