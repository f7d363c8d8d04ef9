import type { IncomingMessage } from 'node:http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type BufferConfig,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_DB_QUERY_TEXT, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
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
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: tracesUrl(options.otlpEndpoint) }),
        exportBatching(process.env),
      ),
    );
  }

  // The tracer provider, context manager and propagator by hand rather than with NodeSDK: the
  // SDK package loads every exporter it could be configured with (OTLP gRPC/proto, Zipkin,
  // Prometheus, logs, metrics) — ~300 modules and ~12 MB of each service's idle RSS (bench: memory).
  const provider = new BasicTracerProvider({
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector, hostDetector, processDetector] }))
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName })),
    spanProcessors,
  });
  const contextManager = createContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(createW3CPropagator());
  trace.setGlobalTracerProvider(provider);
  const unpatch = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes every few seconds would drown real traffic.
        ignoreIncomingRequestHook: (req: IncomingMessage) => isHealthPath(req.url),
      }),
      // Express only names the route (the HTTP span's `http.route`): a span per middleware and
      // handler layer was half of a request's spans and said nothing the HTTP span does not.
      new ExpressInstrumentation({
        ignoreLayersType: [
          ExpressLayerType.MIDDLEWARE,
          ExpressLayerType.REQUEST_HANDLER,
          ExpressLayerType.ROUTER,
        ],
      }),
      new NestInstrumentation(),
      // Statements of a request or message only: not the relays' and schedulers' own rounds,
      // each of which was a lone root trace per statement.
      new PgInstrumentation({
        requireParentSpan: true,
        requestHook: (span, { query }) =>
          span.setAttribute(ATTR_DB_QUERY_TEXT, statementShape(query.text)),
      }),
    ],
  });

  const handle: TracingHandle = {
    shutdown: async () => {
      unpatch();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      if (started === handle) started = undefined;
    },
  };
  started = handle;
  return handle;
}

/**
 * Batches of at most 64 spans unless `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` says otherwise. With the
 * SDK's 512, an export serialized hundreds of spans in one synchronous block — 20–50 ms on our
 * 2 cores, stalling whatever request was in flight (bench: lifecycle). A full batch still goes at
 * once; the 5 s delay only holds back a partial one.
 */
export function exportBatching(env: NodeJS.ProcessEnv): BufferConfig {
  return { maxExportBatchSize: env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ? undefined : 64 };
}

function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/** Long enough to tell statements apart; a batch insert's full text is no use in a trace. */
const STATEMENT_TEXT_LIMIT = 2_000;

/**
 * A statement as a trace may keep it: string literals replaced by `?`, cut to a readable length.
 * MikroORM inlines values into its SQL, so the raw text would carry tenants' data (settings,
 * audit rows, usage payloads) into the trace backend.
 */
export function statementShape(sql: string): string {
  const shape = sql.replace(/'(?:[^']|'')*'/g, '?');
  return shape.length > STATEMENT_TEXT_LIMIT ? `${shape.slice(0, STATEMENT_TEXT_LIMIT)}…` : shape;
}
