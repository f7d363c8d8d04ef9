import { z } from 'zod';
import { PlanLimitsSchema } from './lifecycle';
import { TenantIdSchema } from './tenant-id';

/** Event types are dotted lowercase names (`api.requests`, `sync.records`); one subject each. */
export const UsageEventTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'lowercase dotted name, e.g. api.requests')
  .max(100);

/**
 * A usage event, CloudEvents-shaped. The tenant is never in the body: it rides the message
 * headers (NATS) or comes from the caller's API key (HTTP). `id` is the idempotency key per
 * tenant — sending the same id twice counts once.
 */
export const UsageEventSchema = z.object({
  specversion: z.literal('1.0').default('1.0'),
  id: z.string().min(1).max(200),
  type: UsageEventTypeSchema,
  source: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true }),
  /** What the usage is about (an account, a user); meters may group by it. */
  subject: z.string().min(1).max(200).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type UsageEvent = z.output<typeof UsageEventSchema>;
export type UsageEventInput = z.input<typeof UsageEventSchema>;

export const QuotaCheckRequestSchema = z.object({ meter: z.string().min(1).max(100) });

export const QuotaPeriodSchema = z.object({ start: z.iso.datetime(), end: z.iso.datetime() });

/** seed 004's `checkQuota`: `limit`/`remaining` are null when the plan has no limit for the meter. */
export const QuotaStatusSchema = z.object({
  meter: z.string(),
  used: z.number(),
  limit: z.number().nullable(),
  remaining: z.number().nullable(),
  period: QuotaPeriodSchema,
});
export type QuotaStatus = z.infer<typeof QuotaStatusSchema>;

/** `usage.limits` asks for the caller's tenant's plan limits (what the quota guard enforces). */
export const TenantLimitsRequestSchema = z.object({});

/** The plan and its limits as the usage-service knows them (`plan` null: tenant not seen yet). */
export const TenantLimitsSchema = z.object({
  plan: z.string().nullable(),
  limits: PlanLimitsSchema,
});
export type TenantLimits = z.infer<typeof TenantLimitsSchema>;

/** Published once per tenant, meter, period and threshold (80, 100). */
export const UsageThresholdEventSchema = z.object({
  id: z.string().min(1),
  tenantId: TenantIdSchema,
  meter: z.string(),
  threshold: z.union([z.literal(80), z.literal(100)]),
  used: z.number(),
  limit: z.number(),
  period: QuotaPeriodSchema,
  time: z.iso.datetime(),
});
export type UsageThresholdEvent = z.infer<typeof UsageThresholdEventSchema>;

/** The JetStream stream of usage (`<prefix>.usage.events.>` and `<prefix>.usage.alerts.>`). */
export const USAGE_STREAM = 'usage';
export const USAGE_EVENTS_WILDCARD = 'usage.events.>';
export const USAGE_ALERTS_WILDCARD = 'usage.alerts.>';
