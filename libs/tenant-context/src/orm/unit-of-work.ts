import { TransactionContext, type MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ScopeHook } from '../context/tenant-context';
import type { TenantKnexClient } from './tenant-knex-dialect';

/**
 * Every scope (request, message, job, `asSystem`) gets its own EntityManager fork — no identity
 * map shared between units of work — inside its own transaction, bound to the scope for RLS
 * (`tenant-knex-dialect.ts`). The fork is taken from the root EntityManager, so a nested scope
 * never joins its parent's transaction.
 *
 * The transaction is the scope's own (`ScopeTransaction`), not `em.begin()`'s knex transaction
 * nor `em.transactional()` (which forks a second time and merges the identity map back into a
 * parent nobody reads): each cost more CPU per message than the query itself (bench: context).
 */
export class UnitOfWorkScopeHook implements ScopeHook {
  constructor(private readonly orm: MikroORM) {}

  async around<T>(fn: () => Promise<T>): Promise<T> {
    const em = this.orm.em.fork({ clear: true, disableContextResolution: true }) as EntityManager;
    const client = em.getConnection().getKnex().client as unknown as TenantKnexClient;
    const transaction = await client.openScopeTransaction();
    em.setTransactionContext(transaction);
    let result: T;
    try {
      result = await TransactionContext.create(em, fn);
      await em.flush();
    } catch (error) {
      await transaction.end('rollback');
      throw error;
    }
    await transaction.end('commit'); // a failed COMMIT ends the transaction and rejects
    return result;
  }
}
