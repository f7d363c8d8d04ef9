import { z } from 'zod';
import { defineSubject } from './subjects';
import { TenantIdSchema } from './tenant-id';

/**
 * An account (sync-service) moved from one tenant to another by an operator. Cross-tenant by
 * nature, so it travels as a system subject naming both tenants in its body.
 */
export const AccountReassignedEventSchema = z.object({
  id: z.uuid(),
  type: z.literal('accounts.reassigned'),
  source: z.string().min(1),
  time: z.iso.datetime(),
  accountId: z.string().min(1).max(255),
  fromTenantId: TenantIdSchema,
  toTenantId: TenantIdSchema,
  /** `<kind>:<id>` of who did it. */
  actor: z.string().min(1),
});
export type AccountReassignedEvent = z.infer<typeof AccountReassignedEventSchema>;

export const AccountSubjects = {
  reassigned: defineSubject({
    name: 'accounts.reassigned',
    scope: 'system',
    schema: AccountReassignedEventSchema,
  }),
} as const;
