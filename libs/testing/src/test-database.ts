import { Client, Pool } from 'pg';
import { uniqueName } from './unique-name';

export const TEST_ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  /** Superuser connection to this database: owner of the schema, runs migrations. */
  readonly ownerUrl: string;
  /** The application role: not a superuser, not the owner, so RLS applies to it. */
  readonly appUrl: string;
  readonly appRole: string;
  readonly systemRole: string;
  query<T extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string, user?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user;
    parsed.password = '';
  }
  return parsed.toString();
}

/**
 * A fresh database per test file, with its own application and system roles (roles are
 * cluster-wide, so they are named after the database and dropped with it), on the shared server
 * unless `adminUrl` names another (e.g. a private `startPostgresServer()`).
 */
export async function createTestDatabase(
  prefix = 'tb_test',
  adminUrl = TEST_ADMIN_URL,
): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const appRole = `${name}_app`;
  const systemRole = `${name}_sys`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
    await admin.query(`create role "${appRole}" login noinherit`);
    await admin.query(`create role "${systemRole}" nologin`);
    await admin.query(`grant "${systemRole}" to "${appRole}"`);
  } finally {
    await admin.end();
  }
  const ownerUrl = withDatabase(adminUrl, name);
  // A pool, so tests may run owner queries concurrently.
  const owner = new Pool({ connectionString: ownerUrl, max: 4 });
  // `drop` terminates every connection to the database; an idle client of this pool that dies
  // that way must not surface as an unhandled error in whichever test runs next.
  owner.on('error', () => undefined);
  await owner.query(`grant usage on schema public to "${appRole}", "${systemRole}"`);
  return {
    name,
    ownerUrl,
    appUrl: withDatabase(adminUrl, name, appRole),
    appRole,
    systemRole,
    async query<T extends object>(sql: string, params: unknown[] = []) {
      return (await owner.query(sql, params)).rows as T[];
    },
    async drop() {
      await owner.end();
      const cleanup = new Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists "${name}" with (force)`);
        await cleanup.query(`drop role if exists "${appRole}"`);
        await cleanup.query(`drop role if exists "${systemRole}"`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
