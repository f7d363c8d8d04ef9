import type { Knex } from '@mikro-orm/postgresql';
import {
  deferBegin,
  deferBinding,
  owesBegin,
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

const ENDED = 'the scope has ended: its transaction takes no more statements';

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
 * A scope's hold on a pooled connection. It is taken at the scope's first statement and kept
 * while a transaction is open on it; between statements that began none (reads ahead of BEGIN,
 * each bound in its own implicit transaction) it goes back to the pool, so a scope that only reads
 * holds a connection no longer than its queries do. Statements running together share it.
 */
class ConnectionLease {
  private held?: Promise<PooledConnection>;
  private connection?: PooledConnection;
  private running = 0;
  private ended = false;

  /** `binding` binds each connection taken to the scope, until `rebind`. */
  constructor(
    private readonly pool: ScopeClient,
    private binding: string | undefined,
  ) {}

  acquire(): Promise<PooledConnection> {
    if (this.ended) return Promise.reject(new Error(ENDED));
    this.running++;
    return (this.held ??= this.take());
  }

  /** After each statement: gives the connection back when nothing runs on it and nothing began. */
  async release(connection: PooledConnection): Promise<void> {
    if (connection !== this.connection) return; // already given back by `end`
    if (--this.running > 0 || !owesBegin(connection)) return;
    this.forget();
    await this.pool.releaseConnection(connection);
  }

  /** Binds the transaction to another scope from its next statement on. */
  rebind(binding: string | undefined): void {
    this.binding = binding;
    if (this.connection) deferBinding(this.connection, binding);
  }

  /**
   * Ends the transaction, if one began, and gives the connection back; `undefined` when the scope
   * holds none (then nothing runs and nothing began: there is nothing to wait for).
   */
  end(send: ScopeClient['query'], outcome: 'commit' | 'rollback'): Promise<void> | undefined {
    this.ended = true;
    return this.held && this.finish(this.held, send, outcome);
  }

  private async finish(
    held: Promise<PooledConnection>,
    send: ScopeClient['query'],
    outcome: 'commit' | 'rollback',
  ): Promise<void> {
    const connection = await held.catch(() => undefined);
    if (!connection) return;
    this.forget();
    try {
      if (!owesBegin(connection))
        await send(connection, outcome === 'commit' ? 'COMMIT;' : 'ROLLBACK;');
    } finally {
      await this.pool.releaseConnection(connection);
    }
  }

  private take(): Promise<PooledConnection> {
    const held: Promise<PooledConnection> = this.pool.acquireConnection().then(
      (connection) => {
        deferBegin(connection, { begin: 'begin', binding: this.binding, readsAhead: true });
        this.connection = connection;
        return connection;
      },
      (error: unknown) => {
        // Every statement waiting for it fails with it; the next one tries again.
        if (this.held === held) this.forget();
        throw error;
      },
    );
    return held;
  }

  private forget(): void {
    this.held = undefined;
    this.connection = undefined;
    this.running = 0;
  }
}

/**
 * The transaction of one scope, given to MikroORM as the EntityManager's transaction context
 * (knex runs a query on it through `client`). Its connection comes from a `ConnectionLease`, its
 * BEGIN is deferred to the first write (`deferred-begin.ts`): a scope that only reads sends
 * neither BEGIN nor COMMIT, and one that makes no statement takes no connection.
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
    private readonly lease: ConnectionLease,
    private readonly pool: ScopeClient,
    private readonly currentBinding: () => string | undefined,
  ) {
    const client = Object.create(Object.getPrototypeOf(pool) as object) as ScopeClient;
    const settings = pool as unknown as Record<string, unknown>;
    for (const key of CLIENT_SETTINGS)
      (client as unknown as Record<string, unknown>)[key] = settings[key];
    client.transacting = true;
    client.acquireConnection = () =>
      this.ended ? Promise.reject(new Error(ENDED)) : lease.acquire();
    client.releaseConnection = (connection) => lease.release(connection);
    const send = client.query.bind(client);
    client.query = (on, query) => (this.ended ? Promise.reject(new Error(ENDED)) : send(on, query));
    this.client = client;
    this.send = send;
  }

  /** `currentBinding` binds to the scope running now (read now and at each rebinding). */
  static open(pool: ScopeClient, currentBinding: () => string | undefined): ScopeTransaction {
    return new ScopeTransaction(new ConnectionLease(pool, currentBinding()), pool, currentBinding);
  }

  /**
   * A turn of the scope running now on this transaction, for scopes that share it one at a time
   * (`TenantContext.runTenantsJointly`): the transaction is bound to that scope from its next
   * statement, and the turn refuses statements once `close`d, so a query its scope left running
   * cannot run under the next scope's binding.
   */
  takeTurn(): ScopeTransaction {
    this.lease.rebind(this.currentBinding());
    return new ScopeTransaction(this.lease, this.pool, this.currentBinding);
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

  /**
   * Ends the transaction (nothing is sent if it never began) and gives the connection back;
   * `undefined` when there was nothing to end.
   */
  end(outcome: 'commit' | 'rollback'): Promise<void> | undefined {
    this.close();
    return this.lease.end(this.send, outcome);
  }
}
