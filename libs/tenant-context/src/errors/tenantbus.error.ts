/**
 * Domain errors carry a stable string code; each transport maps them once
 * (HTTP: status + `{ code, message, details }`; NATS: error reply or dead-letter reason).
 */
export class TenantbusError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class TenantContextMissingError extends TenantbusError {
  constructor(operation = 'this operation') {
    super(
      'TENANT_CONTEXT_MISSING',
      `No tenant in context: ${operation} is tenant-scoped and refuses to run unscoped`,
      500,
    );
  }
}

export class InvalidTenantIdError extends TenantbusError {
  constructor(value: unknown) {
    super('TENANT_ID_INVALID', 'Tenant id must be a UUID', 400, { value: String(value) });
  }
}

export class TenantMismatchError extends TenantbusError {
  constructor(details: Record<string, unknown>) {
    super(
      'TENANT_MISMATCH',
      'The data belongs to another tenant than the current context',
      403,
      details,
    );
  }
}

export class TenantNotFoundError extends TenantbusError {
  constructor(details?: Record<string, unknown>) {
    super('TENANT_NOT_FOUND', 'Tenant not found', 404, details);
  }
}

export class TenantSuspendedError extends TenantbusError {
  constructor(tenantId: string) {
    super('TENANT_SUSPENDED', 'Tenant is suspended', 403, { tenantId });
  }
}

export class TenantRequiredError extends TenantbusError {
  constructor() {
    super(
      'TENANT_REQUIRED',
      'This endpoint needs a tenant: a tenant API key, or an admin naming one (x-tenant-id or host)',
      401,
    );
  }
}

export class InvalidCredentialsError extends TenantbusError {
  constructor(message = 'Invalid or expired credentials') {
    super('INVALID_CREDENTIALS', message, 401);
  }
}

export class AdminRequiredError extends TenantbusError {
  constructor() {
    super('ADMIN_REQUIRED', 'This endpoint needs an admin credential', 403);
  }
}

export class TenantHeaderForbiddenError extends TenantbusError {
  constructor() {
    super(
      'TENANT_HEADER_FORBIDDEN',
      'x-tenant-id is only honoured for admin or internal callers',
      403,
    );
  }
}

export class TenantDirectoryUnavailableError extends TenantbusError {
  constructor() {
    super(
      'TENANT_DIRECTORY_UNAVAILABLE',
      'The tenant registry cannot be reached; retry shortly',
      503,
    );
  }
}

export class AuthenticationRequiredError extends TenantbusError {
  constructor() {
    super(
      'AUTHENTICATION_REQUIRED',
      'Send an admin token or API key as Authorization: Bearer',
      401,
    );
  }
}

export class ReadOnlyCredentialError extends TenantbusError {
  constructor() {
    super('API_KEY_READ_ONLY', 'This API key is read-only: it may only read', 403);
  }
}

/** Text Postgres cannot store as sent (NUL, unpaired UTF-16 surrogates), anywhere in a request. */
export class TextUnstorableError extends TenantbusError {
  constructor(where: string) {
    super(
      'TEXT_UNSTORABLE',
      'The request contains NUL characters or unpaired surrogates, which no field accepts',
      400,
      { where },
    );
  }
}

export class InputTooDeepError extends TenantbusError {
  constructor(where: string, maxDepth: number) {
    super('INPUT_TOO_DEEP', `The request nests objects deeper than ${maxDepth} levels`, 400, {
      where,
    });
  }
}

export class ValidationFailedError extends TenantbusError {
  constructor(fields: { field: string; problems: string[] }[]) {
    super('VALIDATION_FAILED', 'The request is not valid', 400, { fields });
  }
}

export class QuotaExceededError extends TenantbusError {
  constructor(details: Record<string, unknown>) {
    super(
      'QUOTA_EXCEEDED',
      'The plan limit for this meter is used up for this period',
      429,
      details,
    );
  }
}

export class RateLimitedError extends TenantbusError {
  constructor(details: { limitPerSecond: number; retryAfterMs: number }) {
    super('RATE_LIMITED', 'Too many requests for this tenant; slow down', 429, details);
  }
}
