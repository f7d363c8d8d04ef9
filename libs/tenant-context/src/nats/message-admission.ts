import type { TenantId } from '@tenantbus/contracts';
import { readInboundScope, type InboundScope } from './tenant-headers';

/** Answers whether a tenant id names a live tenant (backed by the tenant directory). */
export type TenantVerifier = (tenantId: TenantId) => Promise<boolean>;

/**
 * Decides whether a tenant-scoped message may reach its handler: the header must be present and
 * well-formed, agree with a `tenantId` the payload itself claims, and (when a verifier is given)
 * name a known tenant — a well-formed but invented id is treated as forged.
 */
export async function admitTenantMessage(
  headers: Parameters<typeof readInboundScope>[0],
  payload: unknown,
  verifyTenant?: TenantVerifier,
): Promise<InboundScope> {
  const scope = admitTenantHeaders(headers, payload);
  if (!scope.ok || !verifyTenant) return scope;
  return (await verifyTenant(scope.tenantId)) ? scope : unknownTenant(scope.tenantId);
}

/**
 * The synchronous part of `admitTenantMessage` (header present and well-formed, agreeing with the
 * payload's claim), for batch consumers that verify each distinct tenant once per batch.
 */
export function admitTenantHeaders(
  headers: Parameters<typeof readInboundScope>[0],
  payload: unknown,
): InboundScope {
  const scope = readInboundScope(headers);
  if (!scope.ok) return scope;
  const claimed =
    typeof payload === 'object' && payload !== null
      ? (payload as { tenantId?: unknown }).tenantId
      : undefined;
  if (claimed !== undefined && claimed !== scope.tenantId) {
    return {
      ok: false,
      reason: 'TENANT_MISMATCH',
      detail: 'payload tenantId differs from the tenant header',
    };
  }
  return scope;
}

export function unknownTenant(tenantId: string): Extract<InboundScope, { ok: false }> {
  return {
    ok: false,
    reason: 'TENANT_UNKNOWN',
    detail: `tenant ${tenantId} is not a known tenant`,
  };
}
