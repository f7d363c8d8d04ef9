/**
 * What a transaction has not told the database yet: BEGIN and the scope's binding go out in
 * front of its first statement, in the same simple query (see `tenantKnexDialect`); a binding
 * changed after BEGIN (scopes sharing one transaction) goes out in front of the next statement.
 */
export interface DeferredBegin {
  /** `BEGIN` with the transaction's mode; absent once the transaction has begun. */
  readonly begin?: string;
  /** Binds a transaction (or an implicit one) to the scope; absent when there is no scope. */
  readonly binding?: string;
  /** Reads may run ahead of BEGIN only where each statement has its own snapshot anyway. */
  readonly readsAhead: boolean;
}

const DEFERRED = Symbol('tenantbus.deferredBegin');

/** A pg client as knex hands it around; it owes a BEGIN until its first write. */
export interface PooledConnection {
  [DEFERRED]?: DeferredBegin;
}

/** A knex query object as the dialect's `_query` receives it. */
export interface KnexQuery {
  sql: string;
  bindings?: readonly unknown[];
  /** Extra pg query config knex passes through (e.g. `rowMode`). */
  options?: object;
  response?: unknown;
}

/**
 * How to send what a query needs: as one simple query (no bound parameters), or pipelined ahead
 * of it in the same round trip (`PipelinedQuery`).
 */
export type Sending =
  | { readonly kind: 'as-is' }
  | { readonly kind: 'skip' }
  | { readonly kind: 'prefix'; readonly sql: string }
  | { readonly kind: 'pipeline'; readonly ahead: readonly string[] };

/** What knex sends to end a transaction: owed nothing when it never began. */
const TRANSACTION_END = /^\s*(commit|rollback)\b(?!\s+to\b)/i;

/**
 * A plain read: a SELECT that takes no row locks and calls nothing known to act on the
 * transaction (sequences, advisory locks, notifications, settings). Anything else begins first.
 */
const PLAIN_READ = /^\s*select\b/i;
const TRANSACTIONAL_READ =
  /\bfor\s+(update|no\s+key\s+update|share|key\s+share)\b|\b(nextval|setval|set_config|pg_notify|pg_advisory_\w+|pg_try_advisory_\w+|txid_current|pg_current_xact_id)\s*\(/i;

export function deferBegin(connection: PooledConnection, deferred: DeferredBegin): void {
  connection[DEFERRED] = deferred;
}

/**
 * Binds the connection's transaction to another scope from its next statement on: before BEGIN
 * the binding BEGIN carries is replaced, after it the new one is owed to the next statement.
 */
export function deferBinding(connection: PooledConnection, binding: string | undefined): void {
  const deferred = connection[DEFERRED];
  connection[DEFERRED] = deferred?.begin
    ? { ...deferred, binding }
    : { binding, readsAhead: false };
}

/** Whether the connection's transaction has yet to begin (nothing to commit or roll back). */
export function owesBegin(connection: PooledConnection): boolean {
  return connection[DEFERRED]?.begin !== undefined;
}

/** Forgets what the connection owed: its transaction is over (or never began). */
export function clearDeferred(connection: PooledConnection): void {
  delete connection[DEFERRED];
}

/**
 * Decides how `query` goes out on `connection`, settling the deferred BEGIN when the query is
 * the transaction's first write. In READ COMMITTED each statement takes its own snapshot, so a
 * plain read ahead of BEGIN runs in its own implicit transaction, bound the same way.
 */
export function sendingOf(connection: PooledConnection, query: KnexQuery): Sending {
  const deferred = connection[DEFERRED];
  if (!deferred) return { kind: 'as-is' };
  if (TRANSACTION_END.test(query.sql)) {
    clearDeferred(connection);
    return deferred.begin ? { kind: 'skip' } : { kind: 'as-is' };
  }
  const readAhead = deferred.readsAhead && isPlainRead(query.sql);
  if (!readAhead) clearDeferred(connection);
  const owed = (readAhead ? [deferred.binding] : [deferred.begin, deferred.binding]).filter(
    (sql): sql is string => sql !== undefined,
  );
  if (!owed.length) return { kind: 'as-is' };
  // The simple protocol carries several statements but no parameters.
  return query.bindings?.length
    ? { kind: 'pipeline', ahead: owed }
    : { kind: 'prefix', sql: [...owed, query.sql].join('; ') };
}

function isPlainRead(sql: string): boolean {
  return PLAIN_READ.test(sql) && !TRANSACTIONAL_READ.test(sql);
}
