import { z } from 'zod';
import { TenantDirectoryEntrySchema } from './tenant-directory';
import { TenantIdSchema } from './tenant-id';

export const TENANT_LIFECYCLE_TYPES = [
  'tenant.created',
  'tenant.updated',
  'tenant.plan_changed',
  'tenant.suspended',
  'tenant.activated',
  'tenant.deleted',
  'tenant.purged',
] as const;
export const TenantLifecycleTypeSchema = z.enum(TENANT_LIFECYCLE_TYPES);
export type TenantLifecycleType = z.infer<typeof TenantLifecycleTypeSchema>;

/**
 * Lifecycle events carry the tenant's whole directory entry (state transfer), so a consumer that
 * missed one event is repaired by the next, and ordering is settled by `entry.version`.
 */
export const TenantLifecycleEventSchema = z.object({
  id: z.uuid(),
  type: TenantLifecycleTypeSchema,
  occurredAt: z.iso.datetime(),
  tenantId: TenantIdSchema,
  entry: TenantDirectoryEntrySchema,
});
export type TenantLifecycleEvent = z.infer<typeof TenantLifecycleEventSchema>;
