import { TenantbusError } from '@tenantbus/tenant-context';

/** Registry errors with stable codes; the lib's filter maps them to HTTP once. */
export class ConflictError extends TenantbusError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
  }
}

export class NotFoundError extends TenantbusError {
  constructor(what: string, details?: Record<string, unknown>) {
    super(
      `${what.toUpperCase().replace(/[^A-Z]+/g, '_')}_NOT_FOUND`,
      `${what} not found`,
      404,
      details,
    );
  }
}

export class PreconditionFailedError extends TenantbusError {
  constructor(current: number) {
    super('VERSION_MISMATCH', 'The tenant was changed since you read it; re-read and retry', 412, {
      currentVersion: current,
    });
  }
}

export class InvalidRequestError extends TenantbusError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 400, details);
  }
}
