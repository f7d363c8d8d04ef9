import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { TenantContext } from '../context/tenant-context';
import { routeScope } from './tenant-resolution.guard';

/**
 * Runs every HTTP handler inside its scope: the tenant the guard bound, or `asSystem` for system
 * routes. The scope hooks give the handler its own EntityManager and transaction. (NATS handlers
 * get theirs from the transport, `TenantNatsServer`.)
 */
@Injectable()
export class TenantScopeInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly context: TenantContext,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const scope = routeScope(this.reflector, execution);
    const handle = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    switch (scope.kind) {
      case 'public':
        return next.handle();
      case 'system':
        return from(this.context.asSystem(scope.reason, handle));
      case 'tenant':
        return from(this.context.runWithTenant(this.context.tenantId, handle));
    }
  }
}
