import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { TenantContext } from '../context/tenant-context';
import {
  AdminRequiredError,
  AuthenticationRequiredError,
  InvalidCredentialsError,
  ReadOnlyCredentialError,
  TenantMismatchError,
  TenantNotFoundError,
  TenantRequiredError,
  TenantSuspendedError,
} from '../errors/tenantbus.error';
import { AdminAuthenticator } from './admin-authenticator';
import { looksLikeApiKey } from './api-key';
import { presentedCredential } from './request-credentials';
import { ROUTE_SCOPE, type RouteScope } from './scope.decorators';
import type { Resolution, TenantResolver } from './tenant-resolvers';

export const TENANT_RESOLVERS = Symbol('TENANT_RESOLVERS');

/** What a `read_only` API key may do. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The HTTP edge: every request to a tenant route is bound to exactly one active tenant before
 * any handler runs, or refused with a clear error. All resolvers are consulted, so a key of one
 * tenant used on another tenant's host is a mismatch, not a silent pick.
 */
@Injectable()
export class TenantResolutionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly context: TenantContext,
    private readonly admins: AdminAuthenticator,
    private readonly resolvers: TenantResolver[],
  ) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    if (execution.getType() !== 'http') return true;
    const scope = routeScope(this.reflector, execution);
    if (scope.kind === 'public') return true;
    const request = execution.switchToHttp().getRequest<Request>();
    const credential = presentedCredential(request);
    // Every guarded route needs a credential first: the host and `x-tenant-id` only select a
    // tenant, they never authenticate, and nothing about tenants is looked up for a stranger.
    if (!credential) throw new AuthenticationRequiredError();
    const admin = this.admins.authenticate(credential);
    if (!admin && !looksLikeApiKey(credential)) throw new InvalidCredentialsError();
    if (scope.kind === 'system') {
      // A tenant key is a credential, just not enough here; a forged, revoked or expired one is none.
      if (!admin) {
        await this.resolvers.find((resolver) => resolver.name === 'apiKey')?.resolve(request, {});
        throw new AdminRequiredError();
      }
      this.context.bindActor(admin);
      return true;
    }
    const resolutions: Resolution[] = [];
    for (const resolver of this.resolvers) {
      const resolution = await resolver.resolve(request, { admin });
      if (resolution) resolutions.push(resolution);
    }
    const tenantIds = new Set(resolutions.map((resolution) => resolution.tenant.id));
    if (tenantIds.size === 0) throw new TenantRequiredError();
    if (tenantIds.size > 1) {
      throw new TenantMismatchError({
        sources: resolutions.map((r) => `${r.source}:${r.tenant.id}`),
      });
    }
    const tenant = resolutions[0].tenant;
    if (tenant.status === 'deleted') throw new TenantNotFoundError({ tenantId: tenant.id });
    if (tenant.status === 'suspended') throw new TenantSuspendedError(tenant.id);
    // A tenant key authenticates only through the API key resolver (admins are authenticated).
    const actor = admin ?? resolutions.find((resolution) => resolution.source === 'apiKey')?.actor;
    if (!actor) throw new InvalidCredentialsError();
    if (actor.role === 'read_only' && !READ_METHODS.has(request.method))
      throw new ReadOnlyCredentialError();
    this.context.bindTenant(tenant.id, actor);
    return true;
  }
}

/** A handler or a class, as the reflector reads metadata from them. */
type MetadataTarget = Parameters<Reflector['getAllAndOverride']>[1][number];

export function routeScope(reflector: Reflector, execution: ExecutionContext): RouteScope {
  return declaredScope(reflector, execution.getHandler(), execution.getClass());
}

/** The scope a handler (or else its class) declares; `tenant` when neither does. */
export function declaredScope(
  reflector: Reflector,
  handler: MetadataTarget,
  controller: MetadataTarget,
): RouteScope {
  return (
    reflector.getAllAndOverride<RouteScope | undefined>(ROUTE_SCOPE, [handler, controller]) ?? {
      kind: 'tenant',
    }
  );
}
