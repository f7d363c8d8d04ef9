import {
  DatabaseConfigShape,
  loadConfig,
  OutboxConfigShape,
  serviceConfigSchema,
} from '@tenantbus/tenant-context';
import { z } from 'zod';

export const TenantServiceConfigSchema = serviceConfigSchema('tenant-service', 3001).extend({
  ...DatabaseConfigShape,
  ...OutboxConfigShape,
});
export type TenantServiceConfig = z.infer<typeof TenantServiceConfigSchema>;

export const loadTenantServiceConfig = (
  env: NodeJS.ProcessEnv = process.env,
): TenantServiceConfig => loadConfig(TenantServiceConfigSchema, env);
