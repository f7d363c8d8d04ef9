import { SetMetadata } from '@nestjs/common';

export const ROUTE_SCOPE = 'tenantbus:route-scope';

/**
 * How a route or message handler is scoped. Default (no decorator): `tenant` — the tenant must be
 * resolved, and everything runs in its context. The others must be declared.
 */
export type RouteScope =
  { kind: 'tenant' } | { kind: 'public' } | { kind: 'system'; reason: string };

/** No tenant and no credential needed (health, docs). Data access still fails closed. */
export const PublicRoute = () => SetMetadata(ROUTE_SCOPE, { kind: 'public' } satisfies RouteScope);

/**
 * Runs in `asSystem(reason)`: HTTP routes need an admin/internal credential; message handlers
 * (e.g. tenant lifecycle consumers) accept messages without a tenant header.
 */
export const SystemScoped = (reason: string) =>
  SetMetadata(ROUTE_SCOPE, { kind: 'system', reason } satisfies RouteScope);
