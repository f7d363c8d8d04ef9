import type { EntityManager } from '@mikro-orm/postgresql';
import { TENANT_SETTING, type ScopeTransaction } from '@tenantbus/tenant-context';

/** The scope's tenant inside SQL: set per transaction by the lib, never taken from a payload. */
export const SCOPE_TENANT = `current_setting('${TENANT_SETTING}')::uuid`;

/**
 * The transaction of the current scope (every scope runs in one: UnitOfWorkScopeHook), for
 * the few set-based statements that run with bound parameters; row-level security binds them
 * like any other statement of the scope.
 */
export function scopeTransaction(em: EntityManager): ScopeTransaction {
  const transaction = em.getTransactionContext<ScopeTransaction>();
  if (!transaction) throw new Error('usage SQL must run inside a scope transaction');
  return transaction;
}
