import { parseTenantId } from '../context/tenant-context';

/** The transaction-local setting the RLS policies compare `tenant_id` with. */
export const TENANT_SETTING = 'app.tenant_id';

export interface RlsRoles {
  /** The role services log in as: not a superuser, not the table owner. */
  readonly appRole: string;
  /**
   * Granted to the app role but not inherited; entered transaction-locally by `asSystem`
   * (`set_config('role', …, true)`).
   */
  readonly systemRole: string;
}

export interface TenantTableOptions {
  readonly roles: RlsRoles;
  /**
   * Adopting an existing table: add `tenant_id` and backfill every existing row into this tenant
   * before making the column mandatory.
   */
  readonly backfillTenantId?: string;
  /** Skip the extra index when the primary key already leads with `tenant_id`. */
  readonly indexTenantId?: boolean;
}

/** `identifier` if it is safe to inline in SQL, as an identifier or inside a literal. */
export function checkIdent(identifier: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(identifier)) {
    throw new Error(`refusing unsafe SQL identifier "${identifier}"`);
  }
  return identifier;
}

export function quoteIdent(identifier: string): string {
  return `"${checkIdent(identifier)}"`;
}

const TENANT_MATCH = `tenant_id = nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;

/**
 * SQL that makes a table tenant-scoped under row-level security. FORCE makes the policy bind the
 * table owner too; only the separately granted system role sees across tenants.
 */
export function tenantTableSql(table: string, options: TenantTableOptions): string[] {
  const t = quoteIdent(table);
  const app = quoteIdent(options.roles.appRole);
  const system = quoteIdent(options.roles.systemRole);
  const statements: string[] = [];
  if (options.backfillTenantId !== undefined) {
    const tenantId = parseTenantId(options.backfillTenantId);
    statements.push(
      `alter table ${t} add column if not exists "tenant_id" uuid`,
      `update ${t} set "tenant_id" = '${tenantId}' where "tenant_id" is null`,
      `alter table ${t} alter column "tenant_id" set not null`,
    );
  }
  if (options.indexTenantId ?? true) {
    statements.push(
      `create index if not exists ${quoteIdent(`${table}_tenant_id_idx`)} on ${t} ("tenant_id")`,
    );
  }
  statements.push(
    `alter table ${t} enable row level security`,
    `alter table ${t} force row level security`,
    `drop policy if exists tenant_isolation on ${t}`,
    `create policy tenant_isolation on ${t} using (${TENANT_MATCH}) with check (${TENANT_MATCH})`,
    `drop policy if exists system_access on ${t}`,
    `create policy system_access on ${t} to ${system} using (true) with check (true)`,
    `grant select, insert, update, delete on ${t} to ${app}, ${system}`,
  );
  return statements;
}

/** Grants for a table that is global by nature (e.g. the tenant registry): no RLS. */
export function globalTableSql(
  table: string,
  options: Pick<TenantTableOptions, 'roles'>,
): string[] {
  const t = quoteIdent(table);
  return [
    `grant select, insert, update, delete on ${t} to ${quoteIdent(options.roles.appRole)}, ${quoteIdent(options.roles.systemRole)}`,
  ];
}

/**
 * Idempotent role setup, run once per cluster by an operator or the migration job. The app role
 * is NOINHERIT so the system role's policies apply only after an explicit `SET ROLE`.
 */
export function tenantRolesSql(roles: RlsRoles): string[] {
  const create = (role: string, attributes: string) => `do $$ begin
  if not exists (select 1 from pg_roles where rolname = '${role}') then
    create role ${quoteIdent(role)} ${attributes};
  end if;
exception when duplicate_object or unique_violation then null;
end $$`;
  return [
    create(roles.appRole, 'login noinherit'),
    create(roles.systemRole, 'nologin'),
    `grant ${quoteIdent(roles.systemRole)} to ${quoteIdent(roles.appRole)}`,
  ];
}
