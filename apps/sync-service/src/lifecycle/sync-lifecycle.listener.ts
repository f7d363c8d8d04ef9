import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { TenantLifecycleEvent } from '@tenantbus/contracts';
import {
  OnTenantLifecycle,
  type TenantLifecycleListener,
  type TenantStateSnapshot,
} from '@tenantbus/tenant-context';
import { Account } from '../accounts/account.entity';
import { Clock } from '../common/clock';
import { SyncPolicy } from '../sync/sync-policy.entity';
import { ACCOUNT_LIMIT, SyncTiming } from '../sync/sync-timing';
import { TenantDataEraser } from './tenant-data.eraser';

/**
 * Follows tenants (system scope, inside the transaction that records the lib's `TenantState`,
 * once per newer event — a redelivery changes nothing twice). Each event carries the whole
 * snapshot, so every type is handled the same way: the tenant's `SyncPolicy` is (re)derived from
 * it — created provisions it, plan_changed changes interval and account limit, suspended pauses
 * (no provider calls), activated resumes, deleted stops. purged erases every row of the tenant.
 */
@Injectable()
@OnTenantLifecycle()
export class SyncLifecycleListener implements TenantLifecycleListener {
  constructor(
    private readonly em: EntityManager,
    private readonly timing: SyncTiming,
    private readonly eraser: TenantDataEraser,
    private readonly clock: Clock,
  ) {}

  async onTenantEvent(
    event: TenantLifecycleEvent,
    previous: TenantStateSnapshot | null,
  ): Promise<void> {
    const tenantId = event.tenantId;
    if (event.type === 'tenant.purged') {
      await this.eraser.erase(tenantId);
      return;
    }
    const { entry, plan } = event.data;
    const intervalMs = this.timing.intervalFor(plan);
    const limit = plan.limits[ACCOUNT_LIMIT];
    // Only this listener writes the policy, with the tenant's first state: none before that.
    const existing = previous && (await this.em.findOne(SyncPolicy, { tenantId }));
    if (existing && intervalMs < existing.intervalMs) {
      // A better plan takes effect now, not after the old, longer interval runs out.
      const soonest = new Date(this.clock.now().getTime() + intervalMs);
      await this.em.nativeUpdate(
        Account,
        { tenantId, nextSyncAt: { $gt: soonest } },
        { nextSyncAt: soonest },
      );
    }
    await this.em.upsert(SyncPolicy, {
      tenantId,
      planCode: plan.code,
      intervalMs,
      maxAccounts: typeof limit === 'number' ? Math.floor(limit) : null,
      paused: entry.status === 'suspended',
      stopped: entry.status === 'deleted',
      updatedAt: this.clock.now(),
    });
  }
}
