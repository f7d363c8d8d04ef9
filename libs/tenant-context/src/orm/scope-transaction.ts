import type { Knex } from '@mikro-orm/postgresql';
import {
  deferBegin,
  deferBinding,
  owesBegin,
  type DeferredBegin,
  type KnexQuery,
  type PooledConnection,
} from './deferred-begin';

/** The tenant dialect's knex client, as far as a scope's transaction uses it. */
export interface ScopeClient {
  transacting?: boolean;
  acquireConnection(): Promise<PooledConnection>;
  releaseConnection(connection: PooledConnection): Promise<void>;
  query(connection: PooledConnection, query: string | KnexQuery): Promise<unknown>;
  raw(sql: string, bindings: readonly unknown[]): Knex.Raw;
  transaction(container: unknown, config: object): PromiseLike<unknown>;
}

/** What knex copies from its pool client into a client pinned to one connection. */
const CLIENT_SETTINGS = [
  'version',
  'config',
  'driver',
  'connectionSettings',
  'valueForUndefined',
  'logger',
] as const;

/**
 * The transaction of one scope: a pooled connection held for the scope's length, given to
 * MikroORM as the EntityManager's transaction context (knex runs a query on it through
 * `client`). Its BEGIN is deferred to the first write (`deferred-begin.ts`), so a scope that only
 * reads sends neither BEGIN nor COMMIT.
 *
 * Not a knex transaction: building one (a whole knex instance, its client and promise chains)
 * cost a unit of work more CPU than its query (bench: context).
 */
export class ScopeTransaction {
  /** Runs every statement on the scope's connection, and none once the scope has ended. */
  readonly client: ScopeClient;
  /** The pinned client's own query, which `end` still uses after the scope stopped taking any. */
  private readonly send: ScopeClient['query'];
  private ended = false;

  private constructor(
    private readonly pool: ScopeClient,
    private readonly connection: PooledConnection,
    private readonly currentBinding: () => string | undefined,
  ) {
    const client = Object.create(Object.getPrototypeOf(pool) as object) as ScopeClient;
    const settings = pool as unknown as Record<string, unknown>;
    for (const key of CLIENT_SETTINGS)
      (client as unknown as Record<string, unknown>)[key] = settings[key];
    client.transacting = true;
    client.acquireConnection = () => Promise.resolve(connection);
    client.releaseConnection = () => Promise.resolve();
    const send = client.query.bind(client);
    client.query = (on, query) =>
      this.ended
        ? Promise.reject(new Error('the scope has ended: its transaction takes no more statements'))
        : send(on, query);
    this.client = client;
    this.send = send;
  }

  /** `currentBinding` binds to the scope running now (read when the transaction is rebound). */
  static async open(
    pool: ScopeClient,
    currentBinding: () => string | undefined,
  ): Promise<ScopeTransaction> {
    const connection = await pool.acquireConnection();
    const deferred: DeferredBegin = { begin: 'begin', binding: currentBinding(), readsAhead: true };
    deferBegin(connection, deferred);
    return new ScopeTransaction(pool, connection, currentBinding);
  }

  /**
   * A turn of the scope running now on this transaction, for scopes that share it one at a time
   * (`TenantContext.runTenantsJointly`): the transaction is bound to that scope from its next
   * statement, and the turn refuses statements once `close`d, so a query its scope left running
   * cannot run under the next scope's binding.
   */
  takeTurn(): ScopeTransaction {
    deferBinding(this.connection, this.currentBinding());
    return new ScopeTransaction(this.pool, this.connection, this.currentBinding);
  }

  /** Takes no more statements; the transaction itself goes on (see `end`). */
  close(): void {
    this.ended = true;
  }

  /** Raw SQL with bound parameters on the scope's transaction (RLS binds it like the rest). */
  raw<TResult = unknown>(sql: string, bindings: readonly unknown[] = []): Knex.Raw<TResult> {
    return this.client.raw(sql, bindings) as Knex.Raw<TResult>;
  }

  /** A savepoint in the scope's transaction: MikroORM's nested `em.transactional()` asks here. */
  transaction(
    container: ((trx: unknown) => unknown) | null,
    config: object = {},
  ): Promise<unknown> {
    const options = { ...config, userParams: {}, doNotRejectOnRollback: true };
    if (container) return Promise.resolve(this.client.transaction(container, options));
    return new Promise((resolve, reject) => {
      this.client.transaction(resolve, options).then(undefined, reject);
    });
  }

  /** Ends the transaction (nothing is sent if it never began) and gives the connection back. */
  async end(outcome: 'commit' | 'rollback'): Promise<void> {
    this.close();
    try {
      if (!owesBegin(this.connection))
        await this.send(this.connection, outcome === 'commit' ? 'COMMIT;' : 'ROLLBACK;');
    } finally {
      await this.pool.releaseConnection(this.connection);
    }
  }
}
