import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { isTenantId, type TenantStatus } from '@tenantbus/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { CustomDomainPolicy } from '../common/custom-domain';
import { afterCursor, decodeCursor, toPage, type Page } from '../common/pagination';
import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
} from '../common/registry.errors';
import { Domain } from '../domains/domain.entity';
import { Invitation } from '../members/invitation.entity';
import { Member } from '../members/member.entity';
import { Plan } from '../plans/plan.entity';
import type {
  CreateTenantDto,
  ListTenantsQuery,
  TenantView,
  UpdateTenantDto,
} from './dto/tenant.dto';
import { TenantEventsService } from './tenant-events.service';
import { Tenant } from './tenant.entity';
import { toTenantView } from './tenant.view';

/**
 * The registry's use cases. Each runs in the request's transaction (the scope hook opened it):
 * the change, its audit row and its outbox event commit together or not at all.
 */
@Injectable()
export class TenantsService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly events: TenantEventsService,
    private readonly policy: CustomDomainPolicy,
  ) {}

  /**
   * One read (the plan) and one flush: slug, external reference and domains are unique in the
   * database, so a taken one is found by the insert itself (`flushUnique`), not by a count first.
   */
  async create(dto: CreateTenantDto): Promise<TenantView> {
    const plan = await this.plan(dto.plan ?? 'free');
    const hostnames = this.allowedDomains(dto.domains ?? []);
    const tenant = this.em.create(Tenant, {
      slug: dto.slug,
      name: dto.name,
      plan,
      settings: dto.settings ?? {},
      externalRef: dto.externalRef ?? null,
    });
    hostnames.forEach((hostname, index) =>
      this.em.create(Domain, { tenant, hostname, isPrimary: index === 0 }),
    );
    this.events.created(tenant, plan);
    const view = this.audited(tenant, 'tenant.created');
    await this.flushUnique(dto);
    return view;
  }

  async list(query: ListTenantsQuery): Promise<Page<TenantView>> {
    const limit = query.limit ?? 20;
    const where: Record<string, unknown> = {
      ...afterCursor(query.cursor ? decodeCursor(query.cursor) : undefined),
    };
    if (query.status) where.status = query.status;
    if (query.plan) where.plan = query.plan;
    if (query.q)
      where.$and = [
        {
          $or: [
            { slug: { $ilike: `%${escapeLike(query.q)}%` } },
            { name: { $ilike: `%${escapeLike(query.q)}%` } },
          ],
        },
      ];
    const rows = await this.em.find(Tenant, where, {
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      limit: limit + 1,
      populate: ['domains'],
    });
    return toPage(rows, limit, toTenantView);
  }

  async get(idOrSlug: string): Promise<TenantView> {
    return toTenantView(await this.load(idOrSlug));
  }

  async update(id: string, dto: UpdateTenantDto, expectedVersion?: number): Promise<TenantView> {
    const tenant = await this.load(id);
    this.assertVersion(tenant, expectedVersion);
    this.assertNotDeleted(tenant);
    const before = toTenantView(tenant);
    const planChanged = dto.plan !== undefined && dto.plan !== tenant.plan.code;
    if (dto.name !== undefined) tenant.name = dto.name;
    if (planChanged)
      tenant.plan = this.em.getReference(Plan, (await this.plan(dto.plan!)).code, {
        wrapped: true,
      });
    if (dto.settings) tenant.settings = mergeSettings(tenant.settings, dto.settings);
    await this.events.emit(tenant, planChanged ? 'tenant.plan_changed' : 'tenant.updated');
    return this.audited(tenant, 'tenant.updated', before);
  }

  async suspend(id: string, reason: string): Promise<TenantView> {
    return this.transition(id, 'suspended', 'tenant.suspended', (tenant) => {
      if (tenant.status !== 'active')
        throw new ConflictError('TENANT_NOT_ACTIVE', 'Only an active tenant can be suspended');
      tenant.suspendedReason = reason;
    });
  }

  async activate(id: string): Promise<TenantView> {
    return this.transition(id, 'active', 'tenant.activated', (tenant) => {
      if (tenant.status !== 'suspended')
        throw new ConflictError('TENANT_NOT_SUSPENDED', 'Only a suspended tenant can be activated');
      tenant.suspendedReason = null;
    });
  }

  /** Soft delete: the tenant disappears from resolution, its data stays until purge. */
  async remove(id: string): Promise<TenantView> {
    return this.transition(id, 'deleted', 'tenant.deleted', (tenant) => {
      if (tenant.status === 'deleted')
        throw new ConflictError('TENANT_ALREADY_DELETED', 'The tenant is already deleted');
      tenant.deletedAt = new Date();
    });
  }

  /** After delete only: erases the registry's own tenant data and tells every service to do the same. */
  async purge(id: string): Promise<TenantView> {
    const tenant = await this.load(id);
    if (tenant.status !== 'deleted')
      throw new ConflictError('TENANT_NOT_DELETED', 'Delete the tenant before purging it');
    if (tenant.purgedAt)
      throw new ConflictError('TENANT_ALREADY_PURGED', 'The tenant was already purged');
    const before = toTenantView(tenant);
    for (const entity of [Member, Invitation] as const) {
      await this.em.nativeDelete(entity, { tenant: tenant.id });
    }
    await tenant.apiKeys.init();
    tenant.domains.removeAll();
    tenant.apiKeys.removeAll();
    tenant.purgedAt = new Date();
    tenant.settings = {};
    await this.events.emit(tenant, 'tenant.purged');
    return this.audited(tenant, 'tenant.purged', before);
  }

  /**
   * Get-or-create by external reference (automatic provisioning). Race-safe: the insert does
   * nothing on conflict, so concurrent callers all end up reading the one row that won.
   */
  async resolve(
    externalRef: string,
    name?: string,
  ): Promise<{ created: boolean; tenant: TenantView }> {
    const existing = await this.em.findOne(Tenant, { externalRef }, { populate: ['domains'] });
    if (existing) return { created: false, tenant: toTenantView(existing) };
    const slug = `t-${createHash('sha256').update(externalRef).digest('hex').slice(0, 16)}`;
    const inserted = await this.em
      .createQueryBuilder(Tenant)
      .insert({ id: randomUUID(), slug, name: name ?? externalRef, plan: 'free', externalRef })
      .onConflict()
      .ignore()
      .execute<{ affectedRows: number }>('run');
    const tenant = await this.em.findOneOrFail(
      Tenant,
      { externalRef },
      { populate: ['domains'], refresh: true },
    );
    if (inserted.affectedRows === 0) return { created: false, tenant: toTenantView(tenant) };
    await this.events.emit(tenant, 'tenant.created');
    this.audited(tenant, 'tenant.created');
    return { created: true, tenant: toTenantView(tenant) };
  }

  /** Writes the audit row for a change to `tenant` and returns its new view. */
  private audited(tenant: Tenant, action: string, before?: TenantView): TenantView {
    const after = toTenantView(tenant);
    this.audit.record({
      tenantId: tenant.id,
      action,
      targetType: 'tenant',
      targetId: tenant.id,
      before,
      after,
    });
    return after;
  }

  /** Loads by id or slug, with domains; 404 when absent. */
  async load(idOrSlug: string): Promise<Tenant> {
    const where = isTenantId(idOrSlug) ? { id: idOrSlug } : { slug: idOrSlug };
    const tenant = await this.em.findOne(Tenant, where, { populate: ['domains'] });
    if (!tenant) throw new NotFoundError('Tenant', { tenant: idOrSlug });
    return tenant;
  }

  private async transition(
    id: string,
    status: TenantStatus,
    event: 'tenant.suspended' | 'tenant.activated' | 'tenant.deleted',
    apply: (tenant: Tenant) => void,
  ): Promise<TenantView> {
    const tenant = await this.load(id);
    const before = toTenantView(tenant);
    apply(tenant);
    tenant.status = status;
    await this.events.emit(tenant, event);
    return this.audited(tenant, event, before);
  }

  private async plan(code: string): Promise<Plan> {
    const plan = await this.em.findOne(Plan, { code });
    if (!plan) throw new InvalidRequestError('PLAN_NOT_FOUND', `No plan "${code}"`, { plan: code });
    return plan;
  }

  /** The new tenant's hostnames, lower-cased; 400 for one the policy refuses or listed twice. */
  private allowedDomains(domains: string[]): string[] {
    const hostnames = domains.map((hostname) => hostname.toLowerCase());
    hostnames.forEach((hostname) => this.policy.assertAllowed(hostname));
    if (new Set(hostnames).size !== hostnames.length)
      throw new InvalidRequestError('DOMAIN_DUPLICATED', 'A domain is listed twice');
    return hostnames;
  }

  /**
   * Writes what is pending; a unique key another tenant holds is a 409 naming it — whether it was
   * there before this request or a concurrent one inserted it first.
   */
  private async flushUnique(dto: CreateTenantDto): Promise<void> {
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflictOf(error, dto);
      throw error;
    }
  }

  private assertVersion(tenant: Tenant, expected?: number): void {
    if (expected !== undefined && expected !== tenant.version)
      throw new PreconditionFailedError(tenant.version);
  }

  private assertNotDeleted(tenant: Tenant): void {
    if (tenant.status === 'deleted')
      throw new ConflictError('TENANT_DELETED', 'The tenant is deleted');
  }
}

function mergeSettings(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * The 409 for a unique key the insert hit. Postgres names a column's unique constraint
 * `<table>_<column>_key` (registry migration).
 */
function conflictOf(
  error: UniqueConstraintViolationException,
  dto: CreateTenantDto,
): ConflictError {
  switch ((error as { constraint?: unknown }).constraint) {
    case 'tenant_slug_key':
      return new ConflictError('TENANT_SLUG_TAKEN', `Slug "${dto.slug}" is taken`);
    case 'tenant_external_ref_key':
      return new ConflictError(
        'TENANT_EXTERNAL_REF_TAKEN',
        'Another tenant has this external reference',
      );
    case 'domain_hostname_key':
      return new ConflictError('DOMAIN_TAKEN', 'A domain belongs to another tenant', {
        domains: dto.domains?.map((hostname) => hostname.toLowerCase()),
      });
    default:
      return new ConflictError(
        'TENANT_CONFLICT',
        'A tenant with this slug, domain or external reference exists',
      );
  }
}
