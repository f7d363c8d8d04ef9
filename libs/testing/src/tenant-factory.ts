import { randomUUID } from 'node:crypto';
import type { TenantDirectoryEntry, TenantStatus } from '@tenantbus/contracts';
import { generateApiKey } from '@tenantbus/tenant-context';

export interface FakeTenant {
  readonly entry: TenantDirectoryEntry;
  /** The plaintext API key, as a caller would present it. */
  readonly apiKey: string;
}

let counter = 0;

/** A fresh tenant per test (never shared fixtures), with one API key and optional domains. */
export function makeTenant(
  overrides: { status?: TenantStatus; slug?: string; domains?: string[]; plan?: string } = {},
): FakeTenant {
  counter += 1;
  const key = generateApiKey();
  const entry: TenantDirectoryEntry = {
    id: randomUUID(),
    slug: overrides.slug ?? `tenant-${counter}-${randomUUID().slice(0, 6)}`,
    status: overrides.status ?? 'active',
    plan: overrides.plan ?? 'free',
    domains: overrides.domains ?? [],
    apiKeys: [
      {
        id: randomUUID(),
        prefix: key.prefix,
        hash: key.hash,
        role: 'member',
        expiresAt: null,
        revokedAt: null,
      },
    ],
    version: 1,
  };
  return { entry, apiKey: key.key };
}
