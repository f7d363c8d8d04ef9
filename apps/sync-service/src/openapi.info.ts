import type { OpenApiInfo } from '@tenantbus/tenant-context';

export const SYNC_SERVICE_OPENAPI: OpenApiInfo = {
  title: 'tenantbus sync-service',
  description:
    "Connected accounts per tenant (the seed's customer_id), their scheduled metric sync and " +
    'per-customer aggregates. A tenant API key reaches its own tenant; an admin token reaches ' +
    'any tenant named as customer_id (or x-tenant-id).',
  version: '1',
};
