import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CustomDomainPolicy } from '../common/custom-domain';
import { ConflictError, NotFoundError } from '../common/registry.errors';
import { TenantEventsService } from '../tenants/tenant-events.service';
import type { Tenant } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import type { AddDomainDto, DomainView } from './dto/domain.dto';
import { Domain } from './domain.entity';
import { toDomainView } from './domain.view';

/**
 * A tenant's custom domains. Hostnames are unique across all tenants and a tenant with domains
 * has exactly one primary. Every change is part of the directory entry, so it bumps the tenant
 * version and announces `tenant.domains_changed`.
 */
@Injectable()
export class DomainsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly events: TenantEventsService,
    private readonly policy: CustomDomainPolicy,
  ) {}

  async list(tenantId: string): Promise<DomainView[]> {
    return domainsOf(await this.tenants.load(tenantId));
  }

  async add(tenantId: string, dto: AddDomainDto): Promise<DomainView> {
    const tenant = await this.mutableTenant(tenantId);
    const hostname = dto.hostname.toLowerCase();
    this.policy.assertAllowed(hostname);
    if (await this.em.count(Domain, { hostname }))
      throw new ConflictError('DOMAIN_TAKEN', `Domain "${hostname}" is taken`, { hostname });
    const before = domainsOf(tenant);
    const first = tenant.domains.count() === 0;
    // The partial unique index allows one primary per tenant: demote before promoting.
    if (dto.primary && !first) await this.demotePrimary(tenant);
    const domain = this.em.create(Domain, {
      tenant,
      hostname,
      isPrimary: first || dto.primary === true,
    });
    tenant.domains.add(domain);
    await this.flushUnique(hostname);
    await this.changed(tenant, 'domain.added', hostname, before);
    return toDomainView(domain);
  }

  /** Removing the primary promotes the oldest remaining domain. */
  async remove(tenantId: string, hostname: string): Promise<void> {
    const tenant = await this.mutableTenant(tenantId);
    const domain = this.find(tenant, hostname);
    const before = domainsOf(tenant);
    tenant.domains.remove(domain);
    await this.em.flush();
    const next = sorted(tenant.domains.getItems())[0];
    if (domain.isPrimary && next) next.isPrimary = true;
    await this.changed(tenant, 'domain.removed', domain.hostname, before);
  }

  async makePrimary(tenantId: string, hostname: string): Promise<DomainView> {
    const tenant = await this.mutableTenant(tenantId);
    const domain = this.find(tenant, hostname);
    if (domain.isPrimary) return toDomainView(domain);
    const before = domainsOf(tenant);
    await this.demotePrimary(tenant);
    domain.isPrimary = true;
    await this.changed(tenant, 'domain.primary_changed', domain.hostname, before);
    return toDomainView(domain);
  }

  private async changed(
    tenant: Tenant,
    action: string,
    hostname: string,
    before: DomainView[],
  ): Promise<void> {
    tenant.updatedAt = new Date();
    await this.events.emit(tenant, 'tenant.domains_changed');
    this.audit.record({
      tenantId: tenant.id,
      action,
      targetType: 'domain',
      targetId: hostname,
      before: { domains: before },
      after: { domains: domainsOf(tenant) },
    });
  }

  private async demotePrimary(tenant: Tenant): Promise<void> {
    for (const other of tenant.domains) other.isPrimary = false;
    await this.em.flush();
  }

  private find(tenant: Tenant, hostname: string): Domain {
    const wanted = hostname.toLowerCase();
    const domain = tenant.domains.getItems().find((item) => item.hostname === wanted);
    if (!domain) throw new NotFoundError('Domain', { hostname: wanted });
    return domain;
  }

  private async mutableTenant(id: string): Promise<Tenant> {
    const tenant = await this.tenants.load(id);
    if (tenant.status === 'deleted')
      throw new ConflictError('TENANT_DELETED', 'The tenant is deleted');
    return tenant;
  }

  /** Another tenant can claim the hostname between check and flush: still a 409, not a 500. */
  private async flushUnique(hostname: string): Promise<void> {
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new ConflictError('DOMAIN_TAKEN', `Domain "${hostname}" is taken`, { hostname });
      throw error;
    }
  }
}

function sorted(domains: Domain[]): Domain[] {
  return [...domains].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.hostname.localeCompare(b.hostname),
  );
}

function domainsOf(tenant: Tenant): DomainView[] {
  return sorted(tenant.domains.getItems()).map(toDomainView);
}
