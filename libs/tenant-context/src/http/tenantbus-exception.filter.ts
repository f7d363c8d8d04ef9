import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { readTenantContext } from '../context/tenant-context';
import { TenantbusError } from '../errors/tenantbus.error';

export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
  correlationId?: string;
}

const logger = new Logger('Errors');

/**
 * Maps errors once per transport. HTTP: status + `{ code, message, details, correlationId }`;
 * 500s hide internals behind the correlation id. NATS request/reply: `{ code, message }`.
 */
@Catch()
export class TenantbusExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => rpcErrorOf(error));
    const { status, body } = loggedErrorBody(error);
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }
}

/** A NATS reply's error: an `RpcException`'s own, else `{ code, message }` as over HTTP. */
export function rpcErrorOf(error: unknown): object {
  if (error instanceof RpcException) {
    const reply = error.getError();
    return typeof reply === 'object' ? reply : { code: 'RPC_ERROR', message: reply };
  }
  const { body } = loggedErrorBody(error);
  return { code: body.code, message: body.message };
}

/** `toErrorBody` in the current scope's correlation; what becomes a 500 is logged whole. */
function loggedErrorBody(error: unknown): ReturnType<typeof toErrorBody> {
  const correlationId = readTenantContext().correlationId;
  const mapped = toErrorBody(error, correlationId);
  if (mapped.status >= 500)
    logger.error({ msg: 'unhandled error', error: describe(error), correlationId });
  return mapped;
}

export function toErrorBody(
  error: unknown,
  correlationId?: string,
): { status: number; body: ErrorBody } {
  if (error instanceof TenantbusError) {
    return {
      status: error.httpStatus,
      body: { code: error.code, message: error.message, details: error.details, correlationId },
    };
  }
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : ((response as { message?: unknown }).message ?? error.message);
    return {
      status: error.getStatus(),
      body: {
        code: `HTTP_${error.getStatus()}`,
        message: Array.isArray(message)
          ? 'Request validation failed'
          : typeof message === 'string'
            ? message
            : error.message,
        details: Array.isArray(message) ? { errors: message } : undefined,
        correlationId,
      },
    };
  }
  const clientError = asExposedClientError(error);
  if (clientError) {
    return {
      status: clientError.status,
      body: { code: `HTTP_${clientError.status}`, message: clientError.message, correlationId },
    };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'Internal error', correlationId } };
}

/** Errors from Express middleware (body-parser: too large, bad JSON) that mark themselves safe to show. */
function asExposedClientError(error: unknown): { status: number; message: string } | undefined {
  const candidate = error as { expose?: unknown; status?: unknown; message?: unknown } | null;
  if (!candidate || candidate.expose !== true || typeof candidate.status !== 'number')
    return undefined;
  if (candidate.status < 400 || candidate.status > 499) return undefined;
  return {
    status: candidate.status,
    message: typeof candidate.message === 'string' ? candidate.message : 'Bad request',
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
