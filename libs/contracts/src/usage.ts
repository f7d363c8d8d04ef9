import { z } from 'zod';
import { PlanLimitsSchema } from './lifecycle';
import { TenantIdSchema } from './tenant-id';

/** Event types are dotted lowercase names (`api.requests`, `sync.records`); one subject each. */
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const EVENT_TYPE_MAX = 100;
/** Most characters of an event's id, source and subject. */
const EVENT_TEXT_MAX = 200;

export const UsageEventTypeSchema = z
  .string()
  .regex(EVENT_TYPE, 'lowercase dotted name, e.g. api.requests')
  .max(EVENT_TYPE_MAX);

/**
 * A usage event, CloudEvents-shaped. The tenant is never in the body: it rides the message
 * headers (NATS) or comes from the caller's API key (HTTP). `id` is the idempotency key per
 * tenant — sending the same id twice counts once.
 */
export const UsageEventSchema = z.object({
  specversion: z.literal('1.0').default('1.0'),
  id: z.string().min(1).max(EVENT_TEXT_MAX),
  type: UsageEventTypeSchema,
  source: z.string().min(1).max(EVENT_TEXT_MAX),
  time: z.iso.datetime({ offset: true }),
  /** What the usage is about (an account, a user); meters may group by it. */
  subject: z.string().min(1).max(EVENT_TEXT_MAX).optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type UsageEvent = z.output<typeof UsageEventSchema>;
export type UsageEventInput = z.input<typeof UsageEventSchema>;

/** The schema's own date-time pattern: the fast path accepts no time the schema refuses. */
const EVENT_TIME = UsageEventSchema.shape.time.def.pattern ?? /(?!)/;

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

/**
 * `UsageEventSchema.parse` for the well-formed common case, at a tenth of its cost on the ingest
 * hot path: it accepts only what the schema accepts and returns what the schema would (with its
 * defaults, without unknown keys); anything else is `undefined`, for the schema to refuse — or
 * accept — with its own reasons.
 */
export function parseUsageEventFast(raw: unknown): UsageEvent | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const {
    specversion = '1.0',
    id,
    type,
    source,
    time,
    subject,
    data = {},
  } = raw as Record<string, unknown>;
  if (
    specversion !== '1.0' ||
    !isText(id, EVENT_TEXT_MAX) ||
    !isText(type, EVENT_TYPE_MAX) ||
    !EVENT_TYPE.test(type) ||
    !isText(source, EVENT_TEXT_MAX) ||
    typeof time !== 'string' ||
    !EVENT_TIME.test(time) ||
    (subject !== undefined && !isText(subject, EVENT_TEXT_MAX)) ||
    !isPlainRecord(data)
  )
    return undefined;
  const event: UsageEvent = { specversion, id, type, source, time, data };
  // Like the schema: a subject key is kept when present, even undefined (never so from JSON).
  if (Object.hasOwn(raw, 'subject')) event.subject = subject;
  return event;
}

/** What `z.record` copies unchanged (a `__proto__` key it would turn into a prototype). */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    !Object.hasOwn(value, '__proto__')
  );
}

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
