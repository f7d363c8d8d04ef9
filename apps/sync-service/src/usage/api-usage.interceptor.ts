import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { TenantContext } from '@tenantbus/tenant-context';
import { finalize, type Observable } from 'rxjs';
import { UsageRecorder } from './usage.recorder';

/**
 * Counts every tenant API request (answered, successfully or not) as `api.requests` usage of the
 * tenant it ran for. Admin calls made for a tenant count for that tenant too. Cheap on the request
 * path: a map increment; the counts go to the outbox per tenant and interval (`UsageRecorder`).
 */
@Injectable()
export class ApiUsageInterceptor implements NestInterceptor {
  constructor(
    private readonly context: TenantContext,
    private readonly usage: UsageRecorder,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const tenantId = execution.getType() === 'http' ? this.context.maybeTenantId : undefined;
    if (!tenantId || this.context.isSystem) return next.handle();
    return next.handle().pipe(finalize(() => this.usage.countRequest(tenantId)));
  }
}
