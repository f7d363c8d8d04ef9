import { TenantbusError } from '@tenantbus/tenant-context';

/** sync-service errors with stable codes; the lib's filter maps them to HTTP once. */
export class AccountNotFoundError extends TenantbusError {
  constructor(details: Record<string, unknown>) {
    super('ACCOUNT_NOT_FOUND', 'Account not found', 404, details);
  }
}

export class AccountExistsError extends TenantbusError {
  constructor(details: Record<string, unknown>) {
    super(
      'ACCOUNT_EXISTS',
      'An account with this id already exists for the customer',
      409,
      details,
    );
  }
}

export class AccountLimitReachedError extends TenantbusError {
  constructor(limit: number, current: number) {
    super('ACCOUNT_LIMIT_REACHED', `The plan allows ${limit} accounts`, 403, { limit, current });
  }
}

export class CustomerMismatchError extends TenantbusError {
  constructor(customerId: string) {
    super(
      'CUSTOMER_MISMATCH',
      'customer_id names another tenant than the caller; only admins act for other customers',
      403,
      { customerId },
    );
  }
}

export class CustomerRequiredError extends TenantbusError {
  constructor() {
    super(
      'CUSTOMER_REQUIRED',
      'Every account belongs to a customer (tenant): customer_id cannot be null. ' +
        'Reassign the account to another customer or delete it instead.',
      400,
    );
  }
}

export class CustomerNotFoundError extends TenantbusError {
  constructor(customerId: string) {
    super('CUSTOMER_NOT_FOUND', 'No such customer (tenant), or it is deleted', 404, {
      customerId,
    });
  }
}

export class DateRangeInvalidError extends TenantbusError {
  constructor(start: string, end: string) {
    super('DATE_RANGE_INVALID', 'The start must be before the end (the end is exclusive)', 400, {
      start,
      end,
    });
  }
}

export class AccountInactiveError extends TenantbusError {
  constructor(accountId: string) {
    super('ACCOUNT_INACTIVE', 'The account is not active', 409, { account_id: accountId });
  }
}

export class ReassignSameCustomerError extends TenantbusError {
  constructor(customerId: string) {
    super('REASSIGN_SAME_CUSTOMER', 'The accounts belong to this customer already', 400, {
      customerId,
    });
  }
}
