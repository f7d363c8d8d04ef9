import type { ContextManager, TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';

/**
 * W3C only: it is what our NATS header injection writes and what HTTP peers send. Chosen in
 * code rather than from OTEL_PROPAGATORS so every service agrees regardless of its env.
 */
export function createW3CPropagator(): TextMapPropagator {
  return new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
}

/** AsyncLocalStorage, like nestjs-cls, so the active span follows the same async paths as the tenant. */
export function createContextManager(): ContextManager {
  return new AsyncLocalStorageContextManager();
}
