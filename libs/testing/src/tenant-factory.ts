import { randomUUID } from 'node:crypto';
import type {
  PlanLimits,
  TenantDirectoryEntry,
  TenantLifecycleEvent,
  TenantLifecycleType,
  TenantStatus,
} from '@tenantbus/contracts';
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

/**
 * The lifecycle event the registry would publish for this tenant: the whole snapshot at
 * `entry.version`. Bump the version (and change the entry) to describe a later state.
 */
export function lifecycleEvent(
  tenant: FakeTenant,
  type: TenantLifecycleType,
  overrides: { version?: number; status?: TenantStatus; plan?: string; limits?: PlanLimits } = {},
): TenantLifecycleEvent {
  const entry: TenantDirectoryEntry = {
    ...tenant.entry,
    status: overrides.status ?? tenant.entry.status,
    plan: overrides.plan ?? tenant.entry.plan,
    version: overrides.version ?? tenant.entry.version,
  };
  return {
    specversion: '1.0',
    id: randomUUID(),
    type,
    source: 'tenantbus/test',
    time: new Date().toISOString(),
    tenantId: entry.id,
    dataVersion: 1,
    data: {
      entry,
      name: entry.slug,
      settings: {},
      plan: { code: entry.plan, limits: overrides.limits ?? {} },
    },
  };
}
