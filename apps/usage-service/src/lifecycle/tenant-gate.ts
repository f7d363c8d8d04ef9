import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { PlanLimits } from '@tenantbus/contracts';
import { TenantContext, TenantDirectory, TenantState } from '@tenantbus/tenant-context';

export type EventAdmission =
  | { ok: true; flag: 'tenant_suspended' | null; planCode: string | null; limits: PlanLimits }
  | { ok: false; reason: 'TENANT_DELETED'; detail: string };

/** What ingest needs of a `TenantState`, at the version it was read. */
interface CachedState {
  readonly version: number;
  readonly admission: EventAdmission;
}

/**
 * Whether the current tenant's usage may be recorded, from the lifecycle projection
 * (`TenantState`, transactional and ordered by version). A tenant whose `tenant.created` has not
 * reached us yet is looked up in the directory (the consumer already refused unknown ones), so
 * usage sent right after sign-up is not lost to a race between two streams.
 *
 * Ingest asks once per tenant group, so the answer is kept per tenant while it is current: the
 * directory (fed by every lifecycle event, on every replica) names the tenant's latest version,
 * and a state older than that is read again — until the projection has committed it.
 */
@Injectable()
export class TenantGate {
  private readonly admissions = new Map<string, CachedState>();

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
    const entry = await this.directory.findById(tenantId);
    const cached = this.admissions.get(tenantId);
    if (cached && entry && cached.version >= entry.version) return cached.admission;
    const state = await this.state();
    if (!state) return this.admit(tenantId, entry?.status ?? 'purged', null);
    const admission = this.admit(tenantId, state.purgedAt ? 'purged' : state.status, state);
    if (entry && state.version >= entry.version)
      this.admissions.set(tenantId, { version: state.version, admission });
    else this.admissions.delete(tenantId);
    return admission;
  }

  private admit(tenantId: string, status: string, state: TenantState | null): EventAdmission {
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
