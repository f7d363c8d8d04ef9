import { TransactionContext, type MikroORM } from '@mikro-orm/core';
import type { ScopeHook } from '../context/tenant-context';

/**
 * Every scope (request, message, job, `asSystem`) gets its own EntityManager fork — no identity
 * map shared between units of work — inside its own transaction, whose BEGIN binds the tenant
 * for RLS (`tenant-knex-dialect.ts`). The fork is taken from the root EntityManager, so a nested scope
 * never joins its parent's transaction.
 *
 * Begun and committed by hand rather than with `em.transactional()`: that forks a second time
 * (with a cloned event manager) and merges the identity map back into a parent nobody reads,
 * which cost more CPU per message than the query itself (bench: context).
 */
export class UnitOfWorkScopeHook implements ScopeHook {
  constructor(private readonly orm: MikroORM) {}

  async around<T>(fn: () => Promise<T>): Promise<T> {
    const em = this.orm.em.fork({ clear: true, disableContextResolution: true });
    await em.begin();
    let result: T;
    try {
      result = await TransactionContext.create(em, fn);
      await em.flush();
    } catch (error) {
      await em.rollback();
      throw error;
    }
    await em.commit(); // nothing left to flush; a failed COMMIT ends the transaction and rejects
    return result;
  }
}
