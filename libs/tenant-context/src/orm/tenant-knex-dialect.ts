import { PostgreSqlKnexDialect } from '@mikro-orm/postgresql';
import { readTenantContext } from '../context/tenant-context';
import { quoteIdent, TENANT_SETTING, type RlsRoles } from './rls';

/** The parts of knex's (untyped) transaction object that start it. */
interface KnexTransactionStart {
  readonly isolationLevel?: string;
  readonly readOnly?: boolean;
  begin(connection: unknown): Promise<unknown>;
  query(connection: unknown, sql: string): Promise<unknown>;
}

/** MikroORM's knex dialect, typed as far as starting transactions goes (its typings say `any`). */
type KnexDialect = new (config: unknown) => {
  transaction(container: unknown, config: unknown, outerTx: unknown): KnexTransactionStart;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The statement that binds a new transaction to the current scope for row-level security: the
 * tenant as a transaction-local setting, or the separately granted system role. With neither, the
 * setting stays empty and every policy matches nothing (fail closed).
 */
export function transactionBindingSql(roles: Pick<RlsRoles, 'systemRole'>): string | undefined {
  const context = readTenantContext();
  if (context.isSystem) return `set local role ${quoteIdent(roles.systemRole)}`;
  const tenantId = context.maybeTenantId;
  return tenantId ? tenantBindingSql(tenantId) : undefined;
}

/** The statement that binds the rest of the current transaction to `tenantId` for RLS. */
export function tenantBindingSql(tenantId: string): string {
  // Inlined (the simple protocol has no parameters): only ever a validated UUID.
  if (!UUID.test(tenantId)) throw new Error(`refusing to bind malformed tenant id "${tenantId}"`);
  return `select set_config('${TENANT_SETTING}', '${tenantId}', true)`;
}

/**
 * MikroORM's PostgreSQL knex dialect whose transactions are bound to the scope in the same round
 * trip as their BEGIN (`BEGIN; select set_config(…)` as one simple query; the transaction block
 * outlives the message). A separate statement after BEGIN cost a third of a unit of work's
 * database round trips (bench: context). Savepoints (nested transactions) inherit the binding.
 */
export function tenantKnexDialect(roles: Pick<RlsRoles, 'systemRole'>): KnexDialect {
  return class TenantKnexDialect extends (PostgreSqlKnexDialect as unknown as KnexDialect) {
    override transaction(
      container: unknown,
      config: unknown,
      outerTx: unknown,
    ): KnexTransactionStart {
      const transaction = super.transaction(container, config, outerTx);
      // Read now, in the caller's scope; knex starts the transaction on a later tick.
      const binding = transactionBindingSql(roles);
      if (binding) {
        transaction.begin = (connection) =>
          transaction.query(connection, `${beginSql(transaction)}; ${binding}`);
      }
      return transaction;
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
