import { z } from 'zod';

/** Tenant ids are UUIDs; anything else on the wire is malformed and is refused, never coerced. */
export const TenantIdSchema = z.uuid();
export type TenantId = z.infer<typeof TenantIdSchema>;

export function isTenantId(value: unknown): value is TenantId {
  return TenantIdSchema.safeParse(value).success;
}
