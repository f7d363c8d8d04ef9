import type { TenantDirectoryEntry, TenantSnapshot } from '@tenantbus/contracts';
import type { ApiKey } from '../api-keys/api-key.entity';
import type { Domain } from '../domains/domain.entity';
import type { Plan } from '../plans/plan.entity';
import type { Tenant } from './tenant.entity';

const iso = (date?: Date | null) => (date ? date.toISOString() : null);

/** What every service may know about a tenant: the directory entry plus name, settings and plan. */
export function tenantSnapshot(
  tenant: Tenant,
  plan: Plan,
  domains: Domain[],
  apiKeys: ApiKey[],
): TenantSnapshot {
  const entry: TenantDirectoryEntry = {
    id: tenant.id,
    slug: tenant.slug,
    status: tenant.status,
    plan: plan.code,
    domains: domains.map((domain) => domain.hostname),
    apiKeys: apiKeys.map((key) => ({
      id: key.id,
      prefix: key.prefix,
      hash: key.secretHash,
      role: key.role,
      expiresAt: iso(key.expiresAt),
      revokedAt: iso(key.revokedAt),
    })),
    version: tenant.version,
  };
  return {
    entry,
    name: tenant.name,
    settings: tenant.settings,
    plan: { code: plan.code, limits: plan.limits },
  };
}
