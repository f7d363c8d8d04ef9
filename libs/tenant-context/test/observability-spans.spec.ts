import { context, propagation, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ClsServiceManager } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { TenantContext } from '../src/context/tenant-context';
import { installTestTracing, TENANT_SPAN_ATTRIBUTES } from '../src/observability';

describe('TenantSpanProcessor', () => {
  const { exporter, provider } = installTestTracing();
  const ctx = new TenantContext(ClsServiceManager.getClsService());
  const tracer = trace.getTracer('observability-spans.spec');

  beforeEach(() => exporter.reset());

  async function finished(name: string): Promise<ReadableSpan> {
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.name === name);
    if (!span) throw new Error(`span ${name} was not exported`);
    return span;
  }

  it('is installed once', () => {
    expect(installTestTracing().exporter).toBe(exporter);
    expect(installTestTracing().provider).toBe(provider);
  });

  it('stamps the tenant and correlation id on spans started inside a tenant scope', async () => {
    const tenantId = randomUUID();
    const correlationId = 'corr-123';
    await ctx.runWithTenant(tenantId, async () => tracer.startSpan('in-tenant').end(), {
      correlationId,
    });

    const span = await finished('in-tenant');
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBe(tenantId);
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.correlationId]).toBe(correlationId);
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.scope]).toBeUndefined();
  });

  it('reads the tenant when the span starts, after awaits, in nested active spans', async () => {
    const tenantId = randomUUID();
    await ctx.runWithTenant(tenantId, () =>
      tracer.startActiveSpan('parent', async (parent) => {
        await new Promise((resolve) => setImmediate(resolve));
        tracer.startSpan('child').end();
        parent.end();
      }),
    );

    const child = await finished('child');
    const parent = await finished('parent');
    expect(child.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBe(tenantId);
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it('marks system scope with its reason and no tenant', async () => {
    await ctx.asSystem('nightly usage rollup', async () => tracer.startSpan('in-system').end());

    const span = await finished('in-system');
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.scope]).toBe('system');
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.systemReason]).toBe('nightly usage rollup');
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBeUndefined();
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.correlationId]).toEqual(expect.any(String));
  });

  it('stamps the tenant a system scope concerns, without scoping anything to it', async () => {
    const tenantId = randomUUID();
    await ctx.asSystem(
      'apply lifecycle event',
      async () => {
        expect(ctx.maybeTenantId).toBeUndefined();
        tracer.startSpan('concerning').end();
      },
      { concerning: tenantId },
    );

    const span = await finished('concerning');
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.scope]).toBe('system');
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBe(tenantId);
  });

  it('leaves spans outside any scope without tenant attributes', async () => {
    tracer.startSpan('outside').end();

    const span = await finished('outside');
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBeUndefined();
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.scope]).toBeUndefined();
    expect(span.attributes[TENANT_SPAN_ATTRIBUTES.correlationId]).toBeUndefined();
  });

  it('does not leak one tenant into a concurrent scope', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const run = (tenantId: string, name: string) =>
      ctx.runWithTenant(tenantId, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        tracer.startSpan(name).end();
      });
    await Promise.all([run(a, 'span-a'), run(b, 'span-b')]);

    expect((await finished('span-a')).attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBe(a);
    expect((await finished('span-b')).attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBe(b);
  });

  it('propagates W3C trace context and baggage through a carrier', () => {
    const span = tracer.startSpan('carrier');
    const baggage = propagation.createBaggage({ 'tenant.id': { value: 't-1' } });
    const active = propagation.setBaggage(trace.setSpan(context.active(), span), baggage);
    const carrier: Record<string, string> = {};
    propagation.inject(active, carrier);
    span.end();

    expect(carrier['traceparent']).toMatch(
      new RegExp(`^00-${span.spanContext().traceId}-${span.spanContext().spanId}-01$`),
    );
    expect(carrier['baggage']).toBe('tenant.id=t-1');
    const extracted = propagation.extract(context.active(), carrier);
    expect(trace.getSpanContext(extracted)?.traceId).toBe(span.spanContext().traceId);
  });
});
