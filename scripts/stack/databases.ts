import { quoteIdent, tenantRolesSql, type RlsRoles } from '@tenantbus/tenant-context';
import { Client } from 'pg';

export const ROLES: RlsRoles = { appRole: 'tenantbus_app', systemRole: 'tenantbus_system' };
/** Local development only: the same password docker/postgres-init.sql gives the app role. */
const APP_PASSWORD = 'tenantbus_app';

export function databaseUrl(adminUrl: string, database: string, role?: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  if (role) {
    url.username = role;
    url.password = APP_PASSWORD;
  }
  return url.toString();
}

/** The shared roles and one database per service (each service owns its schema and migrations). */
export async function ensureDatabases(adminUrl: string, databases: string[]): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const sql of tenantRolesSql(ROLES)) await admin.query(sql);
    await admin.query(`alter role ${quoteIdent(ROLES.appRole)} password '${APP_PASSWORD}'`);
    for (const database of databases) {
      const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
      if (found.rowCount === 0) await admin.query(`create database ${quoteIdent(database)}`);
    }
  } finally {
    await admin.end();
  }
}
