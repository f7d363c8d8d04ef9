import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { TenantContext } from '../context/tenant-context';
import {
  AdminRequiredError,
  AuthenticationRequiredError,
  InvalidCredentialsError,
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
    const admin = this.admins.authenticate(credential);
    if (scope.kind === 'system') {
      if (!credential) throw new AuthenticationRequiredError();
      // A tenant key is a credential, just not enough here; anything else is not a credential.
      if (!admin && !looksLikeApiKey(credential)) throw new InvalidCredentialsError();
      if (!admin) throw new AdminRequiredError();
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
    const actor = resolutions.find((resolution) => resolution.actor)?.actor ??
      admin ?? { kind: 'anonymous', id: 'anonymous' };
    this.context.bindTenant(tenant.id, actor);
    return true;
  }
}

export function routeScope(reflector: Reflector, execution: ExecutionContext): RouteScope {
  return (
    reflector.getAllAndOverride<RouteScope | undefined>(ROUTE_SCOPE, [
      execution.getHandler(),
      execution.getClass(),
    ]) ?? {
      kind: 'tenant',
    }
  );
}
