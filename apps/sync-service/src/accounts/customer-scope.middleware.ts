import { Injectable, type NestMiddleware } from '@nestjs/common';
import { TENANT_ID_HEADER } from '@tenantbus/contracts';
import { AdminAuthenticator, presentedCredential } from '@tenantbus/tenant-context';
import type { NextFunction, Request, Response } from 'express';

const CUSTOMER_PATH = /^\/api\/v1\/customers\/([^/?]+)/;

/**
 * Admins name the tenant they act for the seed's way, as `customer_id`: the `:customerId` of a
 * customer route, the `customer_id` query parameter, or the body of `POST /api/v1/accounts`.
 * Before the lib's guard runs, that id becomes the trusted `x-tenant-id` header, so the guard
 * resolves and gates it (unknown → 404, suspended → 403) exactly as for any admin call. Nothing
 * changes for anyone else: a tenant key's `customer_id` is checked against its own tenant later.
 */
@Injectable()
export class CustomerScopeMiddleware implements NestMiddleware {
  constructor(private readonly admins: AdminAuthenticator) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    if (request.headers[TENANT_ID_HEADER] === undefined) {
      if (this.admins.authenticate(presentedCredential(request))) {
        const customer = customerOf(request);
        if (customer) request.headers[TENANT_ID_HEADER] = customer;
      }
    }
    next();
  }
}

function customerOf(request: Request): string | undefined {
  const path = request.originalUrl.split('?')[0];
  const fromPath = CUSTOMER_PATH.exec(path)?.[1];
  if (fromPath) return decodeURIComponent(fromPath);
  const query = (request.query as Record<string, unknown> | undefined)?.customer_id;
  if (typeof query === 'string' && query) return query;
  const body = request.body as { customer_id?: unknown } | undefined;
  if (
    request.method === 'POST' &&
    path === '/api/v1/accounts' &&
    typeof body?.customer_id === 'string'
  )
    return body.customer_id;
  return undefined;
}
