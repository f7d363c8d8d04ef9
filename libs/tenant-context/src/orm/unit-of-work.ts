import { TransactionContext, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { readTenantContext, type ScopeHook } from '../context/tenant-context';
import { tenantBindingSql } from './tenant-knex-dialect';

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
    const em = this.fork();
    await em.begin();
    return this.complete(em, () => this.run(em, fn));
  }

  /**
   * One transaction for the tenant scopes of `TenantContext.runTenantsJointly`. It begins bound
   * to nobody (every policy matches nothing); each scope first rebinds it to its own tenant with a
   * transaction-local `set_config`, so RLS binds every statement to the scope that sent it, and
   * still gets its own fork (no identity map shared between tenants). Scopes take turns: a second
   * one starting while another runs would rebind the first one's statements.
   */
  async joint<T>(fn: (perScope: ScopeHook) => Promise<T>): Promise<T> {
    const shared = this.fork();
    await shared.begin();
    let busy = false;
    const perScope: ScopeHook = {
      around: async (work) => {
        if (busy) throw new Error('scopes sharing a transaction must run one at a time');
        busy = true;
        try {
          await shared
            .getConnection('write')
            .execute(
              tenantBindingSql(readTenantContext().tenantId),
              [],
              'run',
              shared.getTransactionContext(),
            );
          const em = shared.fork({
            clear: true,
            disableContextResolution: true,
            keepTransactionContext: true,
          });
          return await this.run(em, work);
        } finally {
          busy = false;
        }
      },
    };
    return this.complete(shared, () => fn(perScope));
  }

  private fork(): EntityManager {
    return this.orm.em.fork({ clear: true, disableContextResolution: true });
  }

  /** Runs `fn` with `em` as the scope's EntityManager, then flushes what it left. */
  private async run<T>(em: EntityManager, fn: () => Promise<T>): Promise<T> {
    const result = await TransactionContext.create(em, fn);
    await em.flush();
    return result;
  }

  /** Commits `em`'s transaction if `fn` succeeds, else rolls it back. */
  private async complete<T>(em: EntityManager, fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await em.rollback();
      throw error;
    }
    await em.commit(); // nothing left to flush; a failed COMMIT ends the transaction and rejects
    return result;
  }
}
