import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { TenantLifecycleEvent } from '@tenantbus/contracts';
import { OnTenantLifecycle, type TenantLifecycleListener } from '@tenantbus/tenant-context';
import { USAGE_CONFIG } from '../common/tokens';
import type { UsageServiceConfig } from '../config/usage-service.config';
import { UsageEventRecord, UsageRollup, UsageUniqueValue } from '../ingest/usage-records.entity';
import {
  UsagePeriodTotal,
  UsagePeriodUniqueValue,
  UsageThresholdRecord,
} from '../quotas/quota-records.entity';

/**
 * Status and limits need no work here: `TenantState` (kept by the lib) is what ingest and quotas
 * read, so a plan change applies from the next event. Purging erases the tenant's usage in the
 * same transaction that records the purge; the monthly totals (what was invoiced) are kept
 * unless `USAGE_PURGE_KEEP_BILLING_TOTALS=false`.
 */
@OnTenantLifecycle()
@Injectable()
export class UsageLifecycleListener implements TenantLifecycleListener {
  private readonly logger = new Logger(UsageLifecycleListener.name);

  constructor(
    @Inject(USAGE_CONFIG) private readonly config: UsageServiceConfig,
    private readonly em: EntityManager,
  ) {}

  async onTenantEvent(event: TenantLifecycleEvent): Promise<void> {
    if (event.type !== 'tenant.purged') return;
    const tenantId = event.tenantId;
    const erased = [
      UsageEventRecord,
      UsageRollup,
      UsageUniqueValue,
      UsagePeriodUniqueValue,
      UsageThresholdRecord,
      ...(this.config.USAGE_PURGE_KEEP_BILLING_TOTALS ? [] : [UsagePeriodTotal]),
    ];
    // System scope (the lifecycle consumer's): the condition names the one tenant being purged.
    for (const entity of erased) await this.em.nativeDelete(entity, { tenantId });
    this.logger.log({ msg: 'tenant usage purged', tenant_id: tenantId });
  }
}
