export { TenantSpanProcessor, TENANT_SPAN_ATTRIBUTES } from './tenant-span.processor';
export {
  exportBatching,
  startTracing,
  installTestTracing,
  type TestTracing,
  type TracingHandle,
  type TracingOptions,
} from './tracing';
export { createW3CPropagator, createContextManager } from './otel-globals';
export {
  createLogger,
  loggerModuleParams,
  type CreateLoggerOptions,
  type LoggerModuleOptions,
} from './logging';
export { logScopeFields, REDACT_PATHS, REDACT_CENSOR, type LogScopeFields } from './log-fields';
export {
  acceptCorrelationId,
  correlationIdOrNew,
  CORRELATION_ID_HEADER,
  CORRELATION_ID_PATTERN,
} from './correlation-id';
export { isHealthPath } from './health-path';
