import { waitFor } from '@tenantbus/testing';
import type { SecurityStack } from './security-stack';

export interface IssuedKey {
  readonly id: string;
  readonly key: string;
}

export interface SecurityTenant {
  readonly id: string;
  readonly slug: string;
  /** A member API key. */
  readonly key: string;
  readonly keyId: string;
}

/** A key for a tenant; its secret goes into the ledger, allowed only in the answer that issued it. */
export async function issueKey(
  s: SecurityStack,
  tenantId: string,
  body: { name: string; role?: string; expiresAt?: string },
): Promise<IssuedKey> {
  const res = await s.admin<IssuedKey>(
    'tenant-service',
    'POST',
    `/api/v1/tenants/${tenantId}/api-keys`,
    body,
  );
  if (res.status !== 201) throw new Error(`api key: ${res.status} ${res.text}`);
  s.secrets.add(`API key secret (${body.name})`, res.body.key.split('_').slice(2).join('_'), res);
  return res.body;
}

/** A tenant created through the admin API, with a member key, known to every service. */
export async function provisionTenant(
  s: SecurityStack,
  slug: string,
  plan = 'free',
): Promise<SecurityTenant> {
  const created = await s.admin<{ id: string; slug: string }>(
    'tenant-service',
    'POST',
    '/api/v1/tenants',
    {
      slug,
      name: `Tenant ${slug}`,
      plan,
    },
  );
  if (created.status !== 201) throw new Error(`tenant ${slug}: ${created.status} ${created.text}`);
  const key = await issueKey(s, created.body.id, { name: `${slug}-member` });
  return { id: created.body.id, slug, key: key.key, keyId: key.id };
}

/** Until the lifecycle event reached the consumer services (their own tenant_state rows). */
export async function awaitTenantsEverywhere(
  s: SecurityStack,
  tenantIds: readonly string[],
): Promise<void> {
  for (const service of ['sync-service', 'usage-service'] as const) {
    await waitFor(
      async () => {
        const [{ n }] = await s.stack.databases[service].query<{ n: number }>(
          'select count(*)::int as n from tenant_state where tenant_id = any($1::uuid[])',
          [tenantIds],
        );
        return n === tenantIds.length ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${tenantIds.length} tenants in ${service}` },
    );
  }
}

export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
