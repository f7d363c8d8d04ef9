import type { OpenApiInfo } from '@tenantbus/tenant-context';

export const USAGE_SERVICE_OPENAPI: OpenApiInfo = {
  title: 'tenantbus usage-service',
  description:
    'Usage metering: events in (HTTP or the usage stream), windowed usage per meter, plan quotas. ' +
    'Tenant routes take a tenant API key; admins add x-tenant-id, and /api/v1/admin/* spans tenants.',
  version: '1',
};
