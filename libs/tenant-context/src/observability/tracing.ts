import type { IncomingMessage } from 'node:http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { isHealthPath } from './health-path';
import { createContextManager, createW3CPropagator } from './otel-globals';
import { TenantSpanProcessor } from './tenant-span.processor';

export { installTestTracing, type TestTracing } from './test-tracing';

export interface TracingOptions {
  serviceName: string;
  /**
   * OTLP/HTTP collector, as a base URL (`http://collector:4318`, `/v1/traces` is appended) or
   * the full traces URL. Absent = no exporter: spans still get ids, tenant attributes and
   * propagate, so logs carry trace ids, but nothing leaves the process.
   */
  otlpEndpoint?: string;
}

export interface TracingHandle {
  shutdown(): Promise<void>;
}

let started: TracingHandle | undefined;

/**
 * Starts OpenTelemetry for a service. Call it before anything imports `http`, `express`,
 * `@nestjs/core` or `pg` (first lines of `main.ts`): instrumentations patch modules on load.
 * A second call returns the first handle, since globals and patches can only be installed once.
 */
export function startTracing(options: TracingOptions): TracingHandle {
  if (started) return started;

  const spanProcessors: SpanProcessor[] = [new TenantSpanProcessor()];
  if (options.otlpEndpoint) {
    spanProcessors.push(
      new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.otlpEndpoint) })),
    );
  }

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    ),
    contextManager: createContextManager(),
    textMapPropagator: createW3CPropagator(),
    // Passing processors/readers explicitly stops the SDK from reading OTEL_*_EXPORTER, whose
    // default (otlp) would retry a collector that usually is not there.
    spanProcessors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes every few seconds would drown real traffic.
        ignoreIncomingRequestHook: (req: IncomingMessage) => isHealthPath(req.url),
      }),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      new PgInstrumentation(),
    ],
  });
  sdk.start();

  const handle: TracingHandle = {
    shutdown: async () => {
      await sdk.shutdown();
      if (started === handle) started = undefined;
    },
  };
  started = handle;
  return handle;
}

function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}
