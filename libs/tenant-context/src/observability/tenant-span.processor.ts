import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { readTenantContext } from '../context/tenant-context';

/** Span attribute names; exported so dashboards, tests and other processors agree on them. */
export const TENANT_SPAN_ATTRIBUTES = {
  tenantId: 'tenant.id',
  scope: 'tenant.scope',
  systemReason: 'tenant.system_reason',
  correlationId: 'correlation.id',
} as const;

/**
 * Stamps the tenant scope on every span at start. Instrumentations (http, pg, our NATS
 * propagation) know nothing about tenants, so this is the one place that makes any span
 * searchable by tenant. `onStart` runs synchronously in the caller's async context, which is
 * where the CLS scope lives; by `onEnd` that context may be gone.
 */
export class TenantSpanProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    const ctx = readTenantContext();
    if (!ctx.isActive) return;

    const system = ctx.system;
    const tenantId = ctx.maybeTenantId ?? system?.concerning;
    if (tenantId) span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, tenantId);

    if (system) {
      span.setAttribute(TENANT_SPAN_ATTRIBUTES.scope, 'system');
      span.setAttribute(TENANT_SPAN_ATTRIBUTES.systemReason, system.reason);
    }

    const correlationId = ctx.correlationId;
    if (correlationId) span.setAttribute(TENANT_SPAN_ATTRIBUTES.correlationId, correlationId);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
