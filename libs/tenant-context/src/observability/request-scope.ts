import type { TenantStore } from '../context/tenant-store';

const REQUEST_SCOPE = Symbol.for('tenantbus.requestScope');

/** Keeps a reference to the request's scope store (mutated as the tenant is bound). */
export function attachScopeToRequest(request: object, store: TenantStore): void {
  Object.defineProperty(request, REQUEST_SCOPE, { value: store, enumerable: false });
}

/** The scope of the request a log call is about (`{ req }` as pino-http logs it), if any. */
export function requestScopeOf(mergeObject: object | undefined): TenantStore | undefined {
  const request = (mergeObject as { req?: Record<symbol, unknown> } | undefined)?.req;
  return request ? (request[REQUEST_SCOPE] as TenantStore | undefined) : undefined;
}
