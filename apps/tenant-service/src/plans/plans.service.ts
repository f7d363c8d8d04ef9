import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { InvalidRequestError } from '../common/registry.errors';
import { TenantEventsService } from '../tenants/tenant-events.service';
import { Tenant } from '../tenants/tenant.entity';
import type { PlanView, UpsertPlanDto } from './dto/plan.dto';
import { Plan } from './plan.entity';

const view = (plan: Plan): PlanView => ({ code: plan.code, name: plan.name, limits: plan.limits });

@Injectable()
export class PlansService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly events: TenantEventsService,
  ) {}

  async list(): Promise<PlanView[]> {
    return (await this.em.find(Plan, {}, { orderBy: { code: 'asc' } })).map(view);
  }

  /** Changing limits re-announces every live tenant on the plan: consumers learn limits from events. */
  async upsert(code: string, dto: UpsertPlanDto): Promise<PlanView> {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(code))
      throw new InvalidRequestError(
        'PLAN_CODE_INVALID',
        'Plan codes are lower-case letters, digits, "-" and "_"',
      );
    const existing = await this.em.findOne(Plan, { code });
    const before = existing ? view(existing) : null;
    const plan = existing ?? this.em.create(Plan, { code, name: dto.name, limits: dto.limits });
    plan.name = dto.name;
    plan.limits = dto.limits;
    await this.em.flush();
    if (existing && JSON.stringify(before?.limits) !== JSON.stringify(dto.limits)) {
      const tenants = await this.em.find(Tenant, {
        plan: code,
        purgedAt: null,
        status: { $ne: 'deleted' },
      });
      for (const tenant of tenants) {
        tenant.updatedAt = new Date();
        await this.events.emit(tenant, 'tenant.plan_changed');
      }
    }
    this.audit.record({
      tenantId: null,
      action: existing ? 'plan.updated' : 'plan.created',
      targetType: 'plan',
      targetId: code,
      before,
      after: view(plan),
    });
    return view(plan);
  }
}
