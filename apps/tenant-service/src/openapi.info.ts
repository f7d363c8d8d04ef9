import type { OpenApiInfo } from '@tenantbus/tenant-context';

export const TENANT_SERVICE_OPENAPI: OpenApiInfo = {
  title: 'tenantbus tenant-service',
  description:
    'The tenant registry: tenants, domains, API keys, members, invitations, plans and the audit trail. ' +
    'Admin routes need an admin token; a tenant API key reaches only /api/v1/me.',
  version: '1',
};
