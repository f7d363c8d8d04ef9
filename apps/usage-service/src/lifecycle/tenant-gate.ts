import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { PlanLimits } from '@tenantbus/contracts';
import { TenantContext, TenantDirectory, TenantState } from '@tenantbus/tenant-context';

export type EventAdmission =
  | { ok: true; flag: 'tenant_suspended' | null; planCode: string | null; limits: PlanLimits }
  | { ok: false; reason: 'TENANT_DELETED'; detail: string };

/**
 * Whether the current tenant's usage may be recorded, from the lifecycle projection
 * (`TenantState`, transactional and ordered by version). A tenant whose `tenant.created` has not
 * reached us yet is looked up in the directory (the consumer already refused unknown ones), so
 * usage sent right after sign-up is not lost to a race between two streams.
 */
@Injectable()
export class TenantGate {
  constructor(
    private readonly context: TenantContext,
    private readonly em: EntityManager,
    private readonly directory: TenantDirectory,
  ) {}

  async state(): Promise<TenantState | null> {
    return this.em.findOne(TenantState, { tenantId: this.context.tenantId });
  }

  async admitEvents(): Promise<EventAdmission> {
    const tenantId = this.context.tenantId;
    const state = await this.state();
    const status = state
      ? state.purgedAt
        ? 'purged'
        : state.status
      : ((await this.directory.findById(tenantId))?.status ?? 'purged');
    if (status === 'deleted' || status === 'purged')
      return { ok: false, reason: 'TENANT_DELETED', detail: `tenant ${tenantId} is ${status}` };
    return {
      ok: true,
      flag: status === 'suspended' ? 'tenant_suspended' : null,
      planCode: state?.planCode ?? null,
      limits: state?.limits ?? {},
    };
  }
}
