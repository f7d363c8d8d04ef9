import type { AdminClient } from './admin-client';

export interface CommandInput {
  readonly positionals: string[];
  readonly options: Record<string, string | undefined>;
}

/** What a command returns: data for `--json`, and the columns of its table. */
export interface CommandResult {
  readonly data: unknown;
  readonly columns?: string[];
}

export interface Command {
  readonly usage: string;
  run(client: AdminClient, input: CommandInput): Promise<CommandResult>;
}

const TENANT_COLUMNS = ['id', 'slug', 'name', 'status', 'plan', 'version'];
const API_KEY_COLUMNS = ['id', 'name', 'role', 'prefix', 'expiresAt', 'revokedAt'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UsageError extends Error {}

function required(input: CommandInput, name: string): string {
  const value = input.options[name];
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function positional(input: CommandInput, index: number, name: string): string {
  const value = input.positionals[index];
  if (!value) throw new UsageError(`<${name}> is required`);
  return value;
}

/** Only the options that were given, so the server's defaults apply to the rest. */
function given(input: CommandInput, ...names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => (input.options[name] ? [[name, input.options[name]]] : [])),
  );
}

function query(params: Record<string, string>): string {
  const search = new URLSearchParams(params).toString();
  return search ? `?${search}` : '';
}

/** Commands take a tenant as id or slug; the other services' routes need the id. */
async function tenantId(client: AdminClient, input: CommandInput): Promise<string> {
  const ref = positional(input, 0, 'tenant');
  if (UUID.test(ref)) return ref;
  const tenant = await client.tenants<{ id: string }>(
    'GET',
    `/api/v1/tenants/${encodeURIComponent(ref)}`,
  );
  return tenant.id;
}

const tenantAction = (action: string, body?: (input: CommandInput) => unknown): Command => ({
  usage: `tenants ${action} <tenant>${action === 'suspend' ? ' --reason <text>' : ''}`,
  async run(client, input) {
    const id = await tenantId(client, input);
    const data = await client.tenants('POST', `/api/v1/tenants/${id}/${action}`, body?.(input));
    return { data, columns: TENANT_COLUMNS };
  },
});

/** Usage queries default to this month so far (UTC), the period quotas are counted in. */
function startOfMonth(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

/** Tables for a list whose shape belongs to another service: columns from the first row. */
function rowsOf(data: unknown): Record<string, unknown>[] {
  const page = data as { items?: unknown; data?: unknown };
  const rows = Array.isArray(data) ? data : (page.items ?? page.data ?? [data]);
  return rows as Record<string, unknown>[];
}

export const COMMANDS: Record<string, Command> = {
  'tenants list': {
    usage: 'tenants list [--status active|suspended|deleted] [--plan <code>] [--q <text>]',
    async run(client, input) {
      const page = await client.tenants<{ items: unknown[] }>(
        'GET',
        `/api/v1/tenants${query({ limit: '100', ...given(input, 'status', 'plan', 'q') })}`,
      );
      return { data: page.items, columns: TENANT_COLUMNS };
    },
  },
  'tenants show': {
    usage: 'tenants show <tenant>',
    async run(client, input) {
      const ref = encodeURIComponent(positional(input, 0, 'tenant'));
      const data = await client.tenants('GET', `/api/v1/tenants/${ref}`);
      return { data, columns: [...TENANT_COLUMNS, 'domains', 'settings'] };
    },
  },
  'tenants create': {
    usage: 'tenants create --slug <slug> --name <name> [--plan <code>]',
    async run(client, input) {
      const body = { slug: required(input, 'slug'), name: required(input, 'name') };
      const data = await client.tenants('POST', '/api/v1/tenants', {
        ...body,
        ...given(input, 'plan'),
      });
      return { data, columns: TENANT_COLUMNS };
    },
  },
  'tenants update': {
    usage: 'tenants update <tenant> [--name <name>] [--plan <code>]',
    async run(client, input) {
      const id = await tenantId(client, input);
      const data = await client.tenants(
        'PATCH',
        `/api/v1/tenants/${id}`,
        given(input, 'name', 'plan'),
      );
      return { data, columns: TENANT_COLUMNS };
    },
  },
  'tenants suspend': tenantAction('suspend', (input) => ({ reason: required(input, 'reason') })),
  'tenants activate': tenantAction('activate'),
  'tenants purge': tenantAction('purge'),
  'tenants delete': {
    usage: 'tenants delete <tenant>',
    async run(client, input) {
      const id = await tenantId(client, input);
      return {
        data: await client.tenants('DELETE', `/api/v1/tenants/${id}`),
        columns: TENANT_COLUMNS,
      };
    },
  },
  'plans list': {
    usage: 'plans list',
    async run(client) {
      return {
        data: await client.tenants('GET', '/api/v1/plans'),
        columns: ['code', 'name', 'limits'],
      };
    },
  },
  'api-keys list': {
    usage: 'api-keys list <tenant>',
    async run(client, input) {
      const id = await tenantId(client, input);
      const data = await client.tenants('GET', `/api/v1/tenants/${id}/api-keys`);
      return { data: rowsOf(data), columns: API_KEY_COLUMNS };
    },
  },
  'api-keys create': {
    usage:
      'api-keys create <tenant> --name <name> [--role admin|member|read_only] [--expires <iso>]',
    async run(client, input) {
      const id = await tenantId(client, input);
      const body = { name: required(input, 'name'), ...given(input, 'role') };
      const expiresAt = input.options.expires;
      const data = await client.tenants('POST', `/api/v1/tenants/${id}/api-keys`, {
        ...body,
        ...(expiresAt ? { expiresAt } : {}),
      });
      // The whole key is shown once, here; only its hash is kept.
      return { data, columns: ['id', 'name', 'role', 'key', 'expiresAt'] };
    },
  },
  'api-keys revoke': {
    usage: 'api-keys revoke <tenant> <keyId>',
    async run(client, input) {
      const id = await tenantId(client, input);
      const keyId = encodeURIComponent(positional(input, 1, 'keyId'));
      const data = await client.tenants('DELETE', `/api/v1/tenants/${id}/api-keys/${keyId}`);
      return { data, columns: API_KEY_COLUMNS };
    },
  },
  audit: {
    usage: 'audit <tenant>',
    async run(client, input) {
      const id = await tenantId(client, input);
      const data = await client.tenants('GET', `/api/v1/tenants/${id}/audit`);
      return {
        data: rowsOf(data),
        columns: ['createdAt', 'action', 'actor', 'targetType', 'targetId'],
      };
    },
  },
  'accounts list': {
    usage: 'accounts list <tenant>',
    async run(client, input) {
      const id = await tenantId(client, input);
      return { data: rowsOf(await client.asTenant('syncService', id, '/api/v1/accounts')) };
    },
  },
  'usage show': {
    usage:
      'usage show <tenant> --meter <name> [--from <iso, default: this month>] [--to <iso>] [--window HOUR|DAY|MONTH] [--tz <zone>]',
    async run(client, input) {
      const id = await tenantId(client, input);
      const params = {
        meter: required(input, 'meter'),
        from: input.options.from ?? startOfMonth(),
        ...given(input, 'to', 'window', 'tz'),
      };
      const data = await client.asTenant('usageService', id, `/api/v1/usage${query(params)}`);
      return { data: rowsOf(data) };
    },
  },
  'quotas show': {
    usage: 'quotas show <tenant>',
    async run(client, input) {
      const id = await tenantId(client, input);
      return { data: rowsOf(await client.asTenant('usageService', id, '/api/v1/quotas')) };
    },
  },
};
