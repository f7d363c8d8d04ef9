import { parseArgs } from 'node:util';
import { AdminClient, ApiError, type Endpoints } from './admin-client';
import { COMMANDS, UsageError, type CommandInput } from './commands';
import { renderTable } from './table';

/** `npm start`'s local admin token; anywhere else set TENANTBUS_ADMIN_TOKEN. */
const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

const VALUE_OPTIONS = [
  'slug',
  'name',
  'plan',
  'reason',
  'role',
  'expires',
  'status',
  'q',
  'meter',
  'from',
  'to',
  'window',
  'tz',
] as const;

export function helpText(): string {
  const lines = Object.values(COMMANDS).map((command) => `  ${command.usage}`);
  return [
    'usage: npm run cli -- <command> [--json]',
    '',
    'commands (<tenant> is an id or a slug):',
    ...lines,
    '',
    'environment: TENANTBUS_ADMIN_TOKEN, TENANTBUS_TENANT_SERVICE_URL (http://127.0.0.1:3001),',
    '             TENANTBUS_SYNC_SERVICE_URL (…:3002), TENANTBUS_USAGE_SERVICE_URL (…:3003)',
  ].join('\n');
}

export function endpointsFrom(env: NodeJS.ProcessEnv): Endpoints {
  return {
    tenantService: env.TENANTBUS_TENANT_SERVICE_URL ?? 'http://127.0.0.1:3001',
    syncService: env.TENANTBUS_SYNC_SERVICE_URL ?? 'http://127.0.0.1:3002',
    usageService: env.TENANTBUS_USAGE_SERVICE_URL ?? 'http://127.0.0.1:3003',
    adminToken: env.TENANTBUS_ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
  };
}

export interface CliOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command line and returns what to print; `main` below is the process wrapper. */
export async function runCli(argv: string[], endpoints: Endpoints): Promise<CliOutput> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        ...Object.fromEntries(VALUE_OPTIONS.map((name) => [name, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    return { exitCode: 2, stdout: '', stderr: `${(error as Error).message}\n\n${helpText()}` };
  }
  const { positionals } = parsed;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  // Two-word commands (`tenants list`) first, then one-word ones (`audit`).
  const name = [positionals.slice(0, 2).join(' '), positionals[0]].find(
    (candidate) => candidate !== undefined && candidate in COMMANDS,
  );
  if (values.help || !name) {
    return {
      exitCode: values.help ? 0 : 2,
      stdout: values.help ? helpText() : '',
      stderr: values.help ? '' : helpText(),
    };
  }
  const input: CommandInput = {
    positionals: positionals.slice(name.split(' ').length),
    options: Object.fromEntries(
      VALUE_OPTIONS.map((option) => [option, values[option] as string | undefined]),
    ),
  };
  try {
    const result = await COMMANDS[name].run(new AdminClient(endpoints), input);
    if (values.json)
      return { exitCode: 0, stdout: JSON.stringify(result.data, null, 2), stderr: '' };
    const rows = (Array.isArray(result.data) ? result.data : [result.data]) as Record<
      string,
      unknown
    >[];
    const columns = result.columns ?? Object.keys(rows[0] ?? {});
    return { exitCode: 0, stdout: renderTable(rows, columns), stderr: '' };
  } catch (error) {
    if (error instanceof UsageError) {
      return {
        exitCode: 2,
        stdout: '',
        stderr: `${error.message}\nusage: ${COMMANDS[name].usage}`,
      };
    }
    if (error instanceof ApiError) {
      return {
        exitCode: 1,
        stdout: '',
        stderr: `${error.code} (${error.status}): ${error.message}`,
      };
    }
    const cause = (error as Error & { cause?: Error }).cause?.message ?? '';
    return { exitCode: 1, stdout: '', stderr: `${(error as Error).message} ${cause}`.trim() };
  }
}

async function main(): Promise<void> {
  const output = await runCli(process.argv.slice(2), endpointsFrom(process.env));
  if (output.stdout) process.stdout.write(`${output.stdout}\n`);
  if (output.stderr) process.stderr.write(`${output.stderr}\n`);
  process.exitCode = output.exitCode;
}

if (require.main === module) void main();
