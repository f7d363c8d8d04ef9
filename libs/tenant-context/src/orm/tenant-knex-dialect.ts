import { PostgreSqlKnexDialect } from '@mikro-orm/postgresql';
import { readTenantContext } from '../context/tenant-context';
import {
  clearDeferred,
  deferBegin,
  sendingOf,
  type KnexQuery,
  type PooledConnection,
} from './deferred-begin';
import { queryPipelined } from './pipelined-query';
import { checkIdent, TENANT_SETTING, type RlsRoles } from './rls';
import { ScopeTransaction, type ScopeClient } from './scope-transaction';

/** The parts of knex's (untyped) transaction object that start it. */
interface KnexTransactionStart extends PromiseLike<unknown> {
  readonly isolationLevel?: string;
  readonly readOnly?: boolean;
  begin(connection: PooledConnection): Promise<unknown>;
}

/** MikroORM's knex dialect, typed as far as we extend it (its typings say `any`). */
type KnexDialect = new (config: unknown) => ScopeClient & {
  transaction(container: unknown, config: unknown, outerTx?: unknown): KnexTransactionStart;
  _query(connection: PooledConnection, query: KnexQuery): Promise<KnexQuery>;
};

/** The tenant dialect's client: opens the transaction of a scope. */
export interface TenantKnexClient {
  openScopeTransaction(): ScopeTransaction;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The statement that binds a transaction to the current scope for row-level security: the
 * tenant as a transaction-local setting, or the separately granted system role. With neither, the
 * setting stays empty and every policy matches nothing (fail closed).
 */
export function transactionBindingSql(roles: Pick<RlsRoles, 'systemRole'>): string | undefined {
  const context = readTenantContext();
  // `set_config`, not SET LOCAL: it also binds an implicit transaction (a pipelined read) quietly.
  // Inlined (the simple protocol has no parameters): only a checked identifier or a valid UUID.
  if (context.isSystem) return setLocalSql('role', checkIdent(roles.systemRole));
  const tenantId = context.maybeTenantId;
  if (!tenantId) return undefined;
  if (!UUID.test(tenantId)) throw new Error(`refusing to bind malformed tenant id "${tenantId}"`);
  return setLocalSql(TENANT_SETTING, tenantId);
}

function setLocalSql(setting: string, value: string): string {
  return `select set_config('${setting}', '${value}', true)`;
}

/**
 * MikroORM's PostgreSQL knex dialect whose transactions cost no round trip of their own, bound
 * to the scope that started them.
 *
 * BEGIN and the scope's binding are not sent when a transaction starts but in front of its first
 * write, in the same round trip (`BEGIN; select set_config(…); <statement>`, pipelined when the
 * statement has parameters); plain reads before it run bound in their own implicit transaction
 * (`deferred-begin.ts`). A scope that only reads then sends neither BEGIN nor COMMIT, one that
 * makes no statement sends nothing. Savepoints begin
 * like any write. Scopes take their transaction from `openScopeTransaction`; knex transactions
 * (MikroORM's own, outside scopes) are deferred the same way.
 */
export function tenantKnexDialect(roles: Pick<RlsRoles, 'systemRole'>): KnexDialect {
  return class TenantKnexDialect
    extends (PostgreSqlKnexDialect as unknown as KnexDialect)
    implements TenantKnexClient
  {
    openScopeTransaction(): ScopeTransaction {
      return ScopeTransaction.open(this, () => transactionBindingSql(roles));
    }

    override transaction(
      container: unknown,
      config: unknown,
      outerTx?: unknown,
    ): KnexTransactionStart {
      const transaction = super.transaction(container, config, outerTx);
      // Read now, in the caller's scope; knex starts the transaction on a later tick.
      const binding = transactionBindingSql(roles);
      transaction.begin = (connection) => {
        const readsAhead = !transaction.isolationLevel && !transaction.readOnly;
        deferBegin(connection, { begin: beginSql(transaction), binding, readsAhead });
        return Promise.resolve();
      };
      return transaction;
    }

    override async _query(connection: PooledConnection, query: KnexQuery): Promise<KnexQuery> {
      const sending = sendingOf(connection, query);
      switch (sending.kind) {
        case 'as-is':
          return super._query(connection, query);
        case 'skip':
          query.response = { command: 'COMMIT', rowCount: null, rows: [], fields: [] };
          return query;
        case 'pipeline':
          query.response = await queryPipelined(connection, sending.ahead, {
            ...query.options,
            text: query.sql,
            values: query.bindings as unknown[],
          });
          return query;
        case 'prefix': {
          const sent = await super._query(connection, { ...query, sql: sending.sql });
          // A multi-statement simple query answers with one result per statement: the last is ours.
          const results = sent.response as unknown[];
          query.response = results[results.length - 1];
          return query;
        }
      }
    }

    /** Back in the pool, a connection owes nothing, whatever became of its transaction. */
    override releaseConnection(connection: PooledConnection): Promise<void> {
      clearDeferred(connection);
      return super.releaseConnection(connection);
    }
  };
}

/** What knex's own PostgreSQL transaction sends to start. */
function beginSql({ isolationLevel, readOnly }: KnexTransactionStart): string {
  const mode = [
    isolationLevel ? `isolation level ${isolationLevel}` : '',
    readOnly ? 'read only' : '',
  ]
    .join(' ')
    .trim();
  return mode ? `begin transaction ${mode}` : 'begin';
}
