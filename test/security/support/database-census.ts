import type { Stack } from '../../support/stack';

/** Rows per table of every service database, read as superuser (RLS does not hide any). */
export async function rowCensus(stack: Stack): Promise<Record<string, number>> {
  const census: Record<string, number> = {};
  for (const [service, db] of Object.entries(stack.databases)) {
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    for (const { table_name } of tables) {
      const [{ n }] = await db.query<{ n: number }>(
        `select count(*)::int as n from "${table_name}"`,
      );
      census[`${service}.${table_name}`] = n;
    }
  }
  return census;
}
