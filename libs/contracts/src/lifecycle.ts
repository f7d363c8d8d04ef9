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
  'tenant.domains_changed',
  'tenant.api_keys_changed',
] as const;
export const TenantLifecycleTypeSchema = z.enum(TENANT_LIFECYCLE_TYPES);
export type TenantLifecycleType = z.infer<typeof TenantLifecycleTypeSchema>;

/** Plan limits per meter; `null` means unlimited. Consumers learn them from lifecycle events. */
export const PlanLimitsSchema = z.record(z.string().min(1), z.number().nonnegative().nullable());
export type PlanLimits = z.infer<typeof PlanLimitsSchema>;

export const TenantSnapshotSchema = z.object({
  /** What the HTTP edge of every service needs (versioned; see `TenantDirectory`). */
  entry: TenantDirectoryEntrySchema,
  name: z.string(),
  settings: z.record(z.string(), z.unknown()),
  plan: z.object({ code: z.string(), limits: PlanLimitsSchema }),
});
export type TenantSnapshot = z.infer<typeof TenantSnapshotSchema>;

/**
 * A lifecycle event, CloudEvents-shaped. It carries the tenant's whole snapshot (state transfer),
 * so a consumer that missed one event is repaired by the next; ordering per tenant is settled by
 * `data.entry.version`. `id` doubles as the JetStream `Nats-Msg-Id` for publish-side dedupe.
 */
export const TenantLifecycleEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  type: TenantLifecycleTypeSchema,
  source: z.string().min(1),
  time: z.iso.datetime(),
  tenantId: TenantIdSchema,
  dataVersion: z.literal(1),
  data: TenantSnapshotSchema,
});
export type TenantLifecycleEvent = z.infer<typeof TenantLifecycleEventSchema>;
