import { context, propagation, trace } from '@opentelemetry/api';
import { startTracing } from '../src/observability';

describe('startTracing without an endpoint (the default)', () => {
  it('still creates and propagates trace ids, and shuts down cleanly with no collector', async () => {
    const tracing = startTracing({ serviceName: 'tracing-off-spec' });
    const carrier: Record<string, string> = {};
    let traceId = '';
    trace.getTracer('spec').startActiveSpan('local', (span) => {
      traceId = span.spanContext().traceId;
      propagation.inject(context.active(), carrier);
      span.end();
    });

    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(carrier['traceparent']).toContain(traceId);
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });
});
