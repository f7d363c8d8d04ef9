import { z } from 'zod';
import { FailpointsSchema } from '../failpoints/failpoints';

/** Settings every tenantbus service shares; services extend this schema with their own. */
export const ServiceConfigSchema = z.object({
  SERVICE_NAME: z.string().min(1),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  BUS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('tenantbus'),
  DATABASE_URL: z.string().min(1).optional(),
  DB_SYSTEM_ROLE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default('tenantbus_system'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** `id:secret[:service],…` — operators and internal callers. Secret: never logged. */
  ADMIN_TOKENS: z.string().optional(),
  /** Tenants are also reachable as `<slug>.<BASE_DOMAIN>`. */
  BASE_DOMAIN: z.string().optional(),
  /** Crash injection for reliability tests (`outbox.before-publish,…`); refused in production. */
  TENANTBUS_FAILPOINTS: FailpointsSchema,
});
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;

/** The shared schema with one service's name and port as defaults. */
export function serviceConfigSchema(serviceName: string, port: number) {
  return ServiceConfigSchema.extend({
    SERVICE_NAME: ServiceConfigSchema.shape.SERVICE_NAME.default(serviceName),
    PORT: ServiceConfigSchema.shape.PORT.default(port),
  });
}

/** Keys whose values are secrets: shown as `[redacted]` by `describeConfig`. */
export const SECRET_CONFIG_KEYS = new Set([
  'ADMIN_TOKENS',
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'CREDENTIALS_KEYS',
]);

export class ConfigError extends Error {}

/** Validates the environment once at boot; fails fast naming every bad key, never its value. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) {
    const failpoints = (parsed.data as { TENANTBUS_FAILPOINTS?: readonly string[] })
      .TENANTBUS_FAILPOINTS;
    if (failpoints?.length && env.NODE_ENV === 'production') {
      throw new ConfigError(
        'invalid configuration:\n  TENANTBUS_FAILPOINTS: crash injection is refused when NODE_ENV=production',
      );
    }
    return parsed.data;
  }
  const problems = parsed.error.issues.map(
    (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
  );
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

/** The configuration as it may be logged. */
export function describeConfig(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      SECRET_CONFIG_KEYS.has(key) && value !== undefined ? '[redacted]' : value,
    ]),
  );
}
