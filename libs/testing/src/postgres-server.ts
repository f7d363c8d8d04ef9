import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './service-process';
import { waitFor } from './wait-for';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServerProcess {
  /** Superuser URL of the `postgres` database (trust auth): what `createTestDatabase` takes. */
  readonly adminUrl: string;
  readonly dataDir: string;
  /** A fast shutdown (connections terminated, checkpoint written). */
  stop(): Promise<void>;
  /** SIGKILL of the postmaster: a crash, recovered from the WAL on the next start. */
  kill(): Promise<void>;
  /** Starts again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops and removes the data directory. */
  destroy(): Promise<void>;
}

/**
 * A private PostgreSQL cluster (initdb into a temp dir, trust auth, its own port) that a test may
 * stop, kill and restart without touching the shared server. Postgres refuses to run as root, so
 * as root the binaries run as the `postgres` OS user.
 */
export async function startPostgresServer(): Promise<PostgresServerProcess> {
  const parent = mkdtempSync(join(tmpdir(), 'tenantbus-pg-'));
  // The postgres user must reach the data directory inside the root-owned temp dir.
  chmodSync(parent, 0o777);
  const dataDir = join(parent, 'data');
  const port = await freePort();
  const asPostgres = (binary: string, args: string[]) => {
    const command = join(PG_BIN, binary);
    return process.getuid?.() === 0
      ? run('runuser', ['-u', 'postgres', '--', command, ...args])
      : run(command, args);
  };
  await asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${parent} -c fsync=off -c max_connections=200`;

  const start = async () => {
    await asPostgres('pg_ctl', [
      'start',
      '-D',
      dataDir,
      '-w',
      '-t',
      '60',
      '-o',
      options,
      '-l',
      join(parent, 'log'),
    ]);
    await waitFor(
      async () => {
        const client = new Client({ connectionString: adminUrl });
        client.on('error', () => undefined);
        const ok = await client.connect().then(
          () => true,
          () => false,
        );
        await client.end().catch(() => undefined);
        return ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'private postgres' },
    );
  };
  const pidFile = join(dataDir, 'postmaster.pid');
  const stop = async () => {
    if (existsSync(pidFile))
      await asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
  };
  const kill = async () => {
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, what: 'postmaster gone' });
    // The orphaned backends notice the dead postmaster and exit; a restart waits for them.
  };
  await start();
  return {
    adminUrl,
    dataDir,
    start,
    stop,
    kill,
    async destroy() {
      await stop().catch(() => kill());
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
