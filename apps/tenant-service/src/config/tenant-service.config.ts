import { DatabaseConfigShape, loadConfig, serviceConfigSchema } from '@tenantbus/tenant-context';
import { z } from 'zod';

export const TenantServiceConfigSchema = serviceConfigSchema('tenant-service', 3001).extend({
  ...DatabaseConfigShape,
  OUTBOX_RELAY_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
});
export type TenantServiceConfig = z.infer<typeof TenantServiceConfigSchema>;

export const loadTenantServiceConfig = (
  env: NodeJS.ProcessEnv = process.env,
): TenantServiceConfig => loadConfig(TenantServiceConfigSchema, env);
