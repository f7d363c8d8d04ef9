import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { readTenantContext, type ScopeHook } from '../context/tenant-context';
import type { ScopeTransaction } from './scope-transaction';
import type { TenantKnexClient } from './tenant-knex-dialect';
import { TenantSubscriber } from './tenant.subscriber';

/**
 * A scope's unit of work: its EntityManager, forked from the root at the first use, on the
 * scope's transaction (also opened then). A scope that never touches the database pays for
 * neither, nor for a flush.
 */
class ScopeUnit {
  private em?: EntityManager;
  private ended = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly transaction: () => ScopeTransaction,
  ) {}

  entityManager(name: string): EntityManager | undefined {
    if (this.orm.em.name !== name) return undefined;
    if (!this.em) {
      // Work the scope left running must not open a transaction nobody will end.
      if (this.ended) throw new Error('the scope has ended: it has no unit of work to start');
      this.em = this.orm.em.fork({ clear: true, disableContextResolution: true }) as EntityManager;
      this.em.setTransactionContext(this.transaction());
    }
    return this.em;
  }

  /** Writes what the scope left in its unit of work; `undefined` when there is nothing. */
  flush(): Promise<void> | undefined {
    return this.em && !nothingToFlush(this.em) ? this.em.flush() : undefined;
  }

  end(): void {
    this.ended = true;
  }
}

/**
 * Whether flushing `em` would write nothing and call nobody: no entity persisted or removed, no
 * change in any it loaded, and no flush listener but ours (which only acts on changes). A flush
 * that writes nothing still costs a dozen promises and three event rounds; most scopes only read.
 */
function nothingToFlush(em: EntityManager): boolean {
  const uow = em.getUnitOfWork();
  if (uow.getPersistStack().size || uow.getRemoveStack().size || uow.getOrphanRemoveStack().size)
    return false;
  for (const subscriber of em.getEventManager().getSubscribers())
    if (
      !(subscriber instanceof TenantSubscriber) &&
      (subscriber.beforeFlush || subscriber.onFlush || subscriber.afterFlush)
    )
      return false;
  uow.computeChangeSets(); // what flush computes first; it leaves nothing behind when empty
  return (
    !uow.getChangeSets().length && !uow.getCollectionUpdates().length && !uow.getExtraUpdates().size
  );
}

/** Each scope's unit of work, by the scope's store (the CLS context it runs in). */
const scopeUnits = new WeakMap<object, ScopeUnit>();

/**
 * The current scope's EntityManager: what an injected EntityManager resolves to (MikroORM's
 * `context` option). Outside a scope, none: MikroORM then refuses the global context.
 */
export function scopeEntityManager(name: string): EntityManager | undefined {
  const store = readTenantContext().snapshot();
  return store && scopeUnits.get(store)?.entityManager(name);
}

/**
 * Every scope (request, message, job, `asSystem`) gets its own EntityManager fork — no identity
 * map shared between units of work — inside its own transaction, bound to the scope for RLS
 * (`tenant-knex-dialect.ts`), both made at the scope's first use of the EntityManager. The fork is
 * taken from the root EntityManager, so a nested scope never joins its parent's transaction.
 *
 * The transaction is the scope's own (`ScopeTransaction`), not `em.begin()`'s knex transaction
 * nor `em.transactional()` (which forks a second time and merges the identity map back into a
 * parent nobody reads): each cost more CPU per message than the query itself (bench: context).
 */
export class UnitOfWorkScopeHook implements ScopeHook {
  constructor(private readonly orm: MikroORM) {}

  around<T>(fn: () => Promise<T>): Promise<T> {
    let transaction: ScopeTransaction | undefined;
    return this.complete(
      () => this.enter(() => (transaction ??= this.open())),
      () => transaction,
      fn,
    );
  }

  /**
   * One transaction for the tenant scopes of `TenantContext.runTenantsJointly`. It is opened bound
   * to nobody (every policy matches nothing); each scope takes a turn on it, rebinding it to its
   * own tenant with a transaction-local `set_config` sent with its first statement, so RLS binds
   * every statement to the scope that sent it, and still gets its own fork (no identity map shared
   * between tenants). A turn refuses statements once its scope has ended, so nothing a scope left
   * running can reach the next one's binding; scopes take turns one at a time.
   */
  async joint<T>(fn: (perScope: ScopeHook) => Promise<T>): Promise<T> {
    const shared = this.open();
    let busy = false;
    const perScope: ScopeHook = {
      around: async (work) => {
        if (busy) throw new Error('scopes sharing a transaction must run one at a time');
        busy = true;
        const turn = shared.takeTurn();
        try {
          return await this.complete(() => this.enter(() => turn), NO_TRANSACTION, work);
        } finally {
          turn.close();
          busy = false;
        }
      },
    };
    return this.complete(
      undefined,
      () => shared,
      () => fn(perScope),
    );
  }

  private open(): ScopeTransaction {
    const em = this.orm.em as EntityManager;
    const client = em.getConnection().getKnex().client as unknown as TenantKnexClient;
    return client.openScopeTransaction();
  }

  /**
   * Makes the current scope's unit of work, on `transaction`. Found through the scope's store
   * rather than MikroORM's `TransactionContext`, which would run one more AsyncLocalStorage for
   * every scope (bench: context).
   */
  private enter(transaction: () => ScopeTransaction): ScopeUnit {
    const store = readTenantContext().snapshot();
    if (!store) throw new Error('a unit of work runs inside its scope');
    const unit = new ScopeUnit(this.orm, transaction);
    scopeUnits.set(store, unit);
    return unit;
  }

  /**
   * Runs `fn` in the unit of work `enter` makes, flushes what it left there, then commits the
   * transaction, if one was opened; rolls it back if anything before COMMIT failed. (Awaits only
   * what there is to wait for: every await is a promise, and on Node 20 every promise runs the
   * context's hooks.)
   */
  private async complete<T>(
    enter: (() => ScopeUnit) | undefined,
    transaction: () => ScopeTransaction | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    const unit = enter?.();
    let result: T;
    try {
      result = await fn();
      const flushing = unit?.flush();
      if (flushing) await flushing;
    } catch (error) {
      unit?.end();
      const rollingBack = transaction()?.end('rollback');
      if (rollingBack) await rollingBack;
      throw error;
    }
    unit?.end();
    // A failed COMMIT ends the transaction itself, and rejects.
    const committing = transaction()?.end('commit');
    if (committing) await committing;
    return result;
  }
}

/** A turn on a shared transaction ends none: the joint scope commits or rolls back. */
const NO_TRANSACTION = (): undefined => undefined;
