import { TenantbusError } from '@tenantbus/tenant-context';

export class MeterNotFoundError extends TenantbusError {
  constructor(meter: string) {
    super('METER_NOT_FOUND', `No meter named ${meter}`, 404, { meter });
  }
}

export class UsageQueryInvalidError extends TenantbusError {
  constructor(message: string, details: Record<string, unknown>) {
    super('USAGE_QUERY_INVALID', message, 400, details);
  }
}
