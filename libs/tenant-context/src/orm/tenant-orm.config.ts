import type { Options } from '@mikro-orm/core';
import type { RlsRoles } from './rls';
import { TenantEntityManager } from './tenant-entity-manager';
import { tenantFilter } from './tenant-filter';
import { tenantKnexDialect } from './tenant-knex-dialect';
import { TenantSubscriber } from './tenant.subscriber';
import { scopeEntityManager } from './unit-of-work';

/**
 * Adds tenancy to a MikroORM configuration: the global filter, the subscriber that stamps rows,
 * the knex dialect that binds every transaction to the scope as it begins, and no global
 * EntityManager: each scope's own, forked by its unit of work, is the one injected.
 */
export function withTenancy<T extends Options>(options: T, roles: Pick<RlsRoles, 'systemRole'>): T {
  return {
    ...options,
    allowGlobalContext: false,
    context: scopeEntityManager,
    entityManager: TenantEntityManager,
    filters: { ...options.filters, [tenantFilter.name]: tenantFilter },
    subscribers: [...(options.subscribers ?? []), new TenantSubscriber()],
    driverOptions: { ...options.driverOptions, client: tenantKnexDialect(roles) },
  };
}
