import { z } from 'zod';
import { TenantIdSchema } from './tenant-id';

export const TenantStatusSchema = z.enum(['active', 'suspended', 'deleted']);
export type TenantStatus = z.infer<typeof TenantStatusSchema>;

export const DirectoryApiKeySchema = z.object({
  id: z.string().min(1),
  /** Public, non-secret part of the key used to find it (`tb_<prefix>_<secret>`). */
  prefix: z.string().min(1),
  /** Hex SHA-256 of the secret part. The secret itself never leaves the tenant-service. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.string().min(1),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type DirectoryApiKey = z.infer<typeof DirectoryApiKeySchema>;

/** What every service may know about a tenant to resolve and gate requests. */
export const TenantDirectoryEntrySchema = z.object({
  id: TenantIdSchema,
  slug: z.string().min(1),
  status: TenantStatusSchema,
  plan: z.string().min(1),
  domains: z.array(z.string().min(1)),
  apiKeys: z.array(DirectoryApiKeySchema),
  /** Monotonic per tenant; a cache ignores anything older than what it holds. */
  version: z.number().int().nonnegative(),
});
export type TenantDirectoryEntry = z.infer<typeof TenantDirectoryEntrySchema>;

export const DirectoryLookupSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('id'), value: TenantIdSchema }),
  z.object({ by: z.literal('slug'), value: z.string().min(1) }),
  z.object({ by: z.literal('host'), value: z.string().min(1) }),
  z.object({ by: z.literal('apiKeyPrefix'), value: z.string().min(1) }),
]);
export type DirectoryLookup = z.infer<typeof DirectoryLookupSchema>;

export const DirectoryLookupReplySchema = z.object({
  entry: TenantDirectoryEntrySchema.nullable(),
});
export type DirectoryLookupReply = z.infer<typeof DirectoryLookupReplySchema>;
