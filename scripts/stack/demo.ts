import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminClient, ApiError, type Endpoints } from '../../apps/cli/src/admin-client';

export interface DemoTenant {
  readonly slug: string;
  readonly id: string;
  readonly apiKey: string;
}

const DEMO_TENANTS = [
  { slug: 'acme', name: 'Acme Inc.', plan: 'pro' },
  { slug: 'globex', name: 'Globex Corporation', plan: 'free' },
];

/**
 * Two tenants with an API key each, made once through the admin API (as an operator would) and
 * remembered in `<dataDir>/demo.json`, since a key's secret is shown only when it is created.
 */
export async function seedDemo(endpoints: Endpoints, dataDir: string): Promise<DemoTenant[]> {
  const file = join(dataDir, 'demo.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoTenant[];
  const client = new AdminClient(endpoints);
  const tenants: DemoTenant[] = [];
  for (const demo of DEMO_TENANTS) {
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
    tenants.push({ slug: demo.slug, id: tenant.id, apiKey: key.key });
  }
  writeFileSync(file, JSON.stringify(tenants, null, 2), { mode: 0o600 });
  return tenants;
}
