import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger } from 'pino';
import { CORRELATION_ID_HEADER, correlationIdOrNew } from './correlation-id';
import { isHealthPath } from './health-path';
import { readTenantContext } from '../context/tenant-context';
import { basePinoOptions } from './log-fields';

export interface LoggerModuleOptions {
  serviceName: string;
  /** Defaults to `LOG_LEVEL`, then `info`. */
  level?: string;
  /** Logs are always JSON; pretty printing would need pino-pretty, which is not a dependency. */
  pretty?: false;
}

/**
 * `LoggerModule.forRoot(loggerModuleParams({ serviceName }))`. Tenant, trace and request ids
 * come from the pino mixin, so `customProps` is not used (it would bind the ids once per
 * request, before the tenant is resolved, and duplicate the keys).
 */
export function loggerModuleParams(options: LoggerModuleOptions): Params {
  return {
    pinoHttp: {
      ...basePinoOptions(options.serviceName, options.level),
      // One id per request for logs and scope alike: whichever middleware runs first mints it.
      genReqId: (req: IncomingMessage) =>
        readTenantContext().correlationId ?? correlationIdOrNew(req.headers[CORRELATION_ID_HEADER]),
      autoLogging: { ignore: (req: IncomingMessage) => isHealthPath(req.url) },
    },
  };
}

export interface CreateLoggerOptions {
  level?: string;
  /** Defaults to stdout; tests pass a stream to capture lines. */
  destination?: DestinationStream;
}

/** A plain pino logger with the same fields and redaction, for code outside Nest (CLI, relays). */
export function createLogger(serviceName: string, options: CreateLoggerOptions = {}): Logger {
  const pinoOptions = basePinoOptions(serviceName, options.level);
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
