import {
  context as otelContext,
  propagation,
  trace,
  SpanKind,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { MsgHdrs } from 'nats';

/** NATS has no official OpenTelemetry instrumentation: W3C context rides our own headers. */
const setter: TextMapSetter<MsgHdrs> = {
  set: (headers, key, value) => headers.set(key, value),
};

const getter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (headers) => headers?.keys() ?? [],
  get: (headers, key) => {
    const value = headers?.get(key);
    return value ? value : undefined;
  },
};

const tracer = trace.getTracer('tenantbus.nats');

/** Records a PRODUCER span for the send and writes traceparent/tracestate/baggage into `headers`. */
export function injectTraceContext(headers: MsgHdrs, subject: string): void {
  const span = tracer.startSpan(`send ${subject}`, {
    kind: SpanKind.PRODUCER,
    attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
  });
  propagation.inject(trace.setSpan(otelContext.active(), span), headers, setter);
  span.end();
}

export function extractTraceContext(headers: MsgHdrs | undefined): Context {
  return propagation.extract(otelContext.active(), headers, getter);
}

/** Runs `fn` in a CONSUMER span that continues the publisher's trace. */
export async function withConsumerSpan<T>(
  subject: string,
  headers: MsgHdrs | undefined,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(headers);
  const span = tracer.startSpan(
    `process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
    },
    parent,
  );
  try {
    return await otelContext.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    throw error;
  } finally {
    span.end();
  }
}
