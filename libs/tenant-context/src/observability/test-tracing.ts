import { context, propagation, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createContextManager, createW3CPropagator } from './otel-globals';
import { TenantSpanProcessor } from './tenant-span.processor';

export interface TestTracing {
  /** Call `provider.forceFlush()` before reading `exporter.getFinishedSpans()`. */
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
}

let installed: TestTracing | undefined;

/**
 * In-memory tracing for tests: same processor, context manager and propagator as production,
 * no network. Idempotent because OpenTelemetry globals can only be registered once per
 * process (per jest test file); call `exporter.reset()` between tests instead.
 */
export function installTestTracing(): TestTracing {
  if (installed) return installed;

  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new TenantSpanProcessor(), new SimpleSpanProcessor(exporter)],
  });

  context.setGlobalContextManager(createContextManager().enable());
  propagation.setGlobalPropagator(createW3CPropagator());
  // A silent failure here would leave tests asserting against a provider nobody uses.
  if (!trace.setGlobalTracerProvider(provider)) {
    throw new Error('installTestTracing: a global tracer provider is already registered');
  }

  installed = { exporter, provider };
  return installed;
}
