import { isSpanContextValid, trace } from '@opentelemetry/api';
import { stdTimeFunctions, type LoggerOptions } from 'pino';
import { readTenantContext } from '../context/tenant-context';
import type { TenantStore } from '../context/tenant-store';
import { requestScopeOf } from './request-scope';

export const REDACT_CENSOR = '[redacted]';

const SECRET_KEYS = ['password', 'secret', 'credentials', 'token', 'apiKey'];

/**
 * pino's redaction has no recursive wildcard: keys are covered at the top level and one level
 * down (`{ user: { password } }`). Deeper secrets must not be logged in the first place.
 */
export const REDACT_PATHS: readonly string[] = [
  // pino-http's request/response serializers
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  // header objects logged directly (outbound calls, NATS headers)
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
];

export interface LogScopeFields {
  tenant_id?: string;
  tenant_scope?: 'system';
  trace_id?: string;
  span_id?: string;
  request_id?: string;
}

/**
 * Read on every line, at log time, rather than bound into child loggers: a logger created
 * outside a scope (module-level, singleton providers) still gets the tenant of whoever calls
 * it. Absent fields are omitted, so the key never appears twice with a stale value.
 */
export function logScopeFields(mergeObject?: object): LogScopeFields {
  const fields: LogScopeFields = {};
  const ctx = readTenantContext();
  // pino-http logs "request completed" after the request's scope has ended; the scope it
  // kept on the request object still says which tenant and request that was.
  const scope: TenantStore | undefined = ctx.isActive
    ? ctx.snapshot()
    : requestScopeOf(mergeObject);
  if (scope) {
    const tenantId = scope.tenantId ?? scope.system?.concerning;
    if (tenantId) fields.tenant_id = tenantId;
    if (scope.system) fields.tenant_scope = 'system';
    if (scope.correlationId) fields.request_id = scope.correlationId;
  }
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    fields.trace_id = spanContext.traceId;
    fields.span_id = spanContext.spanId;
  }
  return fields;
}

/** pino options shared by the Nest (pino-http) logger and plain loggers. */
export function basePinoOptions(serviceName: string, level?: string): LoggerOptions {
  return {
    level: level ?? process.env['LOG_LEVEL'] ?? 'info',
    base: { service: serviceName, pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    // Labels, not numbers: log backends filter on `level:"error"` without a lookup table.
    formatters: { level: (label) => ({ level: label }) },
    mixin: (mergeObject) => logScopeFields(mergeObject),
    redact: { paths: [...REDACT_PATHS], censor: REDACT_CENSOR },
  };
}
