import { Injectable, type NestMiddleware } from '@nestjs/common';
import { CORRELATION_ID_HEADER } from '@tenantbus/contracts';
import type { NextFunction, Request, Response } from 'express';
import { ClsService } from 'nestjs-cls';
import type { TenantStore } from '../context/tenant-store';
import { acceptCorrelationId, correlationIdOrNew } from '../observability/correlation-id';
import { attachScopeToRequest } from '../observability/request-scope';

/** Agrees with pino-http's request id when the logger middleware ran first. */
function correlationIdFor(request: Request & { id?: unknown }): string {
  return (
    acceptCorrelationId(request.id) ?? correlationIdOrNew(request.headers[CORRELATION_ID_HEADER])
  );
}

/**
 * Opens the CLS store every HTTP request runs in, with its correlation id (echoed in the
 * response); the guard binds the tenant into it. Ours rather than nestjs-cls's mounted
 * middleware: that one also mounts a guard and an interceptor on every route and message
 * handler, each no-op here, and each interceptor costs Nest an `AsyncResource.bind` per call
 * (bench: context).
 */
@Injectable()
export class RequestScopeMiddleware implements NestMiddleware {
  constructor(private readonly cls: ClsService<TenantStore>) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const correlationId = correlationIdFor(request);
    this.cls.run(() => {
      this.cls.set('correlationId', correlationId);
      attachScopeToRequest(request, this.cls.get());
      response.setHeader(CORRELATION_ID_HEADER, correlationId);
      next();
    });
  }
}
