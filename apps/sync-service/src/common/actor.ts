import type { Actor, TenantContextReader } from '@tenantbus/tenant-context';

/** Platform operators and internal services: the callers that may act across tenants. */
export function isOperator(context: TenantContextReader): boolean {
  const kind = context.actor?.kind;
  return kind === 'admin' || kind === 'service';
}

export function describeActor(actor: Actor | undefined): string {
  return actor ? `${actor.kind}:${actor.id}` : 'system:unknown';
}
