import type { EntityName, Filter, MetadataStorage } from '@mikro-orm/core';

type FilterDef = Parameters<typeof Filter>[0];
import { readTenantContext } from '../context/tenant-context';

export const TENANT_FILTER = 'tenant';

function isTenantScoped(metadata: MetadataStorage, entityName?: EntityName<unknown>): boolean {
  if (!entityName) return false;
  const meta = metadata.find(entityName as string);
  return meta?.properties.tenantId !== undefined;
}

/**
 * One global filter, on by default: every read, update and delete of a tenant-scoped entity is
 * limited to the context's tenant. No context → `TenantContextMissingError` (fail closed).
 * `strict` keeps the condition in joins and populate.
 */
export const tenantFilter: FilterDef = {
  name: TENANT_FILTER,
  default: true,
  strict: true,
  args: false,
  cond: (
    _args: unknown,
    _type: string,
    em: { getMetadata(): MetadataStorage },
    _options: unknown,
    entityName?: EntityName<unknown>,
  ) => {
    if (!isTenantScoped(em.getMetadata(), entityName)) return {};
    const context = readTenantContext();
    if (context.isSystem) return {};
    return { tenantId: context.tenantId };
  },
};
