import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminClient, ApiError, type Endpoints } from '../../apps/cli/src/admin-client';

export interface DemoTenant {
  readonly slug: string;
  readonly id: string;
  readonly apiKey: string;
}

const DEMO_TENANTS = [
  { slug: 'acme', name: 'Acme Inc.', plan: 'pro', accounts: ['acme-loft', 'acme-cabin'] },
  { slug: 'globex', name: 'Globex Corporation', plan: 'free', accounts: ['globex-studio'] },
];

/** Accounts on the simulated provider: they sync at once, which also produces usage events. */
async function seedAccounts(syncService: string, apiKey: string, accountIds: string[]) {
  for (const accountId of accountIds) {
    const res = await fetch(new URL('/api/v1/accounts', syncService), {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        account_id: accountId,
        display_name: accountId,
        provider: 'simulated',
      }),
    });
    if (!res.ok && res.status !== 409) {
      throw new Error(`demo account ${accountId}: ${res.status} ${await res.text()}`);
    }
  }
}

/**
 * Two tenants with an API key and a few synced accounts each, made once through the public APIs
 * (as an operator and a tenant would) and remembered in `<dataDir>/demo.json`, since a key's
 * secret is shown only when it is created.
 */
export async function seedDemo(endpoints: Endpoints, dataDir: string): Promise<DemoTenant[]> {
  const file = join(dataDir, 'demo.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoTenant[];
  const client = new AdminClient(endpoints);
  const tenants: DemoTenant[] = [];
  for (const { accounts, ...demo } of DEMO_TENANTS) {
    const tenant = await client
      .tenants<{ id: string }>('POST', '/api/v1/tenants', demo)
      .catch(async (error: unknown) => {
        // A data folder from before demo.json existed: reuse the tenant, mint a new key.
        if (error instanceof ApiError && error.status === 409) {
          return client.tenants<{ id: string }>('GET', `/api/v1/tenants/${demo.slug}`);
        }
        throw error;
      });
    const key = await client.tenants<{ key: string }>(
      'POST',
      `/api/v1/tenants/${tenant.id}/api-keys`,
      { name: 'demo' },
    );
    await seedAccounts(endpoints.syncService, key.key, accounts);
    tenants.push({ slug: demo.slug, id: tenant.id, apiKey: key.key });
  }
  writeFileSync(file, JSON.stringify(tenants, null, 2), { mode: 0o600 });
  return tenants;
}
