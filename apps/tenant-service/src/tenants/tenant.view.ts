import type { TenantView } from './dto/tenant.dto';
import type { Tenant } from './tenant.entity';

const iso = (date?: Date | null) => (date ? date.toISOString() : null);

/** The API shape of a tenant (domains must be loaded). */
export function toTenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    plan: tenant.plan.code,
    settings: tenant.settings,
    externalRef: tenant.externalRef ?? null,
    suspendedReason: tenant.suspendedReason ?? null,
    domains: tenant.domains.isInitialized()
      ? tenant.domains.getItems().map((domain) => domain.hostname)
      : [],
    version: tenant.version,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
    deletedAt: iso(tenant.deletedAt),
    purgedAt: iso(tenant.purgedAt),
  };
}
