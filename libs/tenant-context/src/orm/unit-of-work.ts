import { TransactionPropagation, type MikroORM } from '@mikro-orm/core';
import type { ScopeHook } from '../context/tenant-context';

/**
 * Every scope (request, message, job, `asSystem`) gets its own EntityManager fork — no identity
 * map shared between units of work — inside its own transaction, which is where the subscriber
 * binds the tenant for RLS. REQUIRES_NEW: a nested scope never joins its parent's transaction.
 */
export class UnitOfWorkScopeHook implements ScopeHook {
  constructor(private readonly orm: MikroORM) {}

  around<T>(fn: () => Promise<T>): Promise<T> {
    return this.orm.em.fork({ clear: true }).transactional(() => fn(), {
      propagation: TransactionPropagation.REQUIRES_NEW,
    });
  }
}
