import type { TestDatabase } from '@tenantbus/testing';

export interface TableAudit {
  readonly table: string;
  readonly rows: number;
  /** Rows that carry their own tenant's marker (the creator embedded in the data). */
  readonly attributed: number;
  /** Rows of an unknown tenant, or naming another tenant (its marker or its id). */
  readonly leaks: string[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * As superuser (RLS shows everything), every row of every tenant-scoped table — those with a
 * `tenant_id`, and the registry's `tenant` itself — checked against the tenant that created it:
 * a row may name no tenant but its own, by marker (`marker` has the tenant's index as group 1)
 * or by id.
 */
export async function auditRows(
  db: TestDatabase,
  service: string,
  tenants: readonly { index: number; id: string }[],
  marker: RegExp,
): Promise<TableAudit[]> {
  const indexOf = new Map(tenants.map((tenant) => [tenant.id, tenant.index]));
  const tables = await db.query<{ table_name: string; key: string }>(
    `select table_name, 'tenant_id' as key from information_schema.columns
      where table_schema = 'public' and column_name = 'tenant_id'
     union all
     select table_name, 'id' from information_schema.tables
      where table_schema = 'public' and table_name = 'tenant'
     order by 1`,
  );
  const audits: TableAudit[] = [];
  for (const { table_name: table, key } of tables) {
    const rows = await db.query<{ owner: string | null; row: string }>(
      `select "${key}"::text as owner, row_to_json(t)::text as row from "${table}" t`,
    );
    const leaks: string[] = [];
    let attributed = 0;
    for (const { owner, row } of rows) {
      const markers = [...row.matchAll(marker)].map((match) => Number(match[1]));
      const ids = (row.match(UUID) ?? []).filter((id) => indexOf.has(id) && id !== owner);
      // A platform row (no tenant: a plan change in the audit trail) may name no tenant at all.
      if (owner === null) {
        if (markers.length || ids.length)
          leaks.push(`${service}.${table}: platform row names a tenant: ${row.slice(0, 300)}`);
        continue;
      }
      const index = indexOf.get(owner);
      if (index === undefined) {
        leaks.push(`${service}.${table}: row of unknown tenant ${owner}`);
        continue;
      }
      if (markers.some((found) => found !== index) || ids.length)
        leaks.push(
          `${service}.${table}: row of tenant ${index} names another: ${row.slice(0, 300)}`,
        );
      if (markers.includes(index)) attributed += 1;
    }
    audits.push({ table: `${service}.${table}`, rows: rows.length, attributed, leaks });
  }
  return audits;
}
