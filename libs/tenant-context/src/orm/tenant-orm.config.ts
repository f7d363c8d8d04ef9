import type { Options } from '@mikro-orm/core';
import type { RlsRoles } from './rls';
import { tenantFilter } from './tenant-filter';
import { tenantKnexDialect } from './tenant-knex-dialect';
import { TenantSubscriber } from './tenant.subscriber';

/**
 * Adds tenancy to a MikroORM configuration: the global filter, the subscriber that stamps rows,
 * the knex dialect that binds every transaction to the scope as it begins, and no global
 * EntityManager (every unit of work forks).
 */
export function withTenancy<T extends Options>(options: T, roles: Pick<RlsRoles, 'systemRole'>): T {
  return {
    ...options,
    allowGlobalContext: false,
    filters: { ...options.filters, [tenantFilter.name]: tenantFilter },
    subscribers: [...(options.subscribers ?? []), new TenantSubscriber()],
    driverOptions: { ...options.driverOptions, client: tenantKnexDialect(roles) },
  };
}
