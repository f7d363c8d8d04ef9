import type { UsageEvent } from '@tenantbus/contracts';
import type { Meter } from '../meters/meter.entity';
import { monthStartUtc } from '../common/periods';

/** The minute and month of the last event seen: a backlog comes in runs of the same minute. */
let lastMinute = Number.NaN;
let lastWindows = { windowStart: '', periodStart: '' };

function windowsOf(time: number): { windowStart: string; periodStart: string } {
  const minute = Math.floor(time / 60_000) * 60_000;
  if (minute !== lastMinute) {
    lastMinute = minute;
    lastWindows = {
      windowStart: new Date(minute).toISOString(),
      periodStart: monthStartUtc(new Date(minute)).toISOString(),
    };
  }
  return lastWindows;
}

/** What one accepted event adds to one meter. */
export interface Contribution {
  readonly eventId: string;
  readonly meter: string;
  /** The event's minute (UTC), ISO. */
  readonly windowStart: string;
  /** The billing period (calendar month, UTC), ISO. */
  readonly periodStart: string;
  /** Canonical JSON of the meter's group-by values. */
  readonly groupKey: string;
  /** 1 for COUNT; the numeric value otherwise (0 for UNIQUE_COUNT). */
  readonly value: number;
  readonly time: string;
  /** The distinct key for UNIQUE_COUNT meters. */
  readonly uniqueValue: string | null;
}

export type Evaluation =
  | { ok: true; contributions: Contribution[] }
  | { ok: false; reason: UsageRejectionReason; detail: string };

export type UsageRejectionReason =
  'METER_UNKNOWN' | 'VALUE_INVALID' | 'TIME_TOO_OLD' | 'TIME_IN_FUTURE';

export interface EvaluationLimits {
  readonly maxAgeMs: number;
  readonly maxFutureMs: number;
}

/**
 * Decides whether an event is usable and what it contributes to each meter of its type. Pure, so
 * the HTTP edge (answering 400) and the stream consumer (dead-lettering) refuse the same events
 * for the same reasons.
 */
export function evaluateUsageEvent(
  event: UsageEvent,
  meters: readonly Meter[],
  limits: EvaluationLimits,
  now: number,
): Evaluation {
  // Postgres text and jsonb cannot hold NUL: one such event would fail its whole tenant group.
  if (hasNul(event))
    return { ok: false, reason: 'VALUE_INVALID', detail: 'the event contains a NUL character' };
  if (meters.length === 0)
    return {
      ok: false,
      reason: 'METER_UNKNOWN',
      detail: `no meter reads events of type ${event.type}`,
    };
  const time = Date.parse(event.time);
  if (time < now - limits.maxAgeMs)
    return { ok: false, reason: 'TIME_TOO_OLD', detail: `event time ${event.time} is too old` };
  if (time > now + limits.maxFutureMs)
    return {
      ok: false,
      reason: 'TIME_IN_FUTURE',
      detail: `event time ${event.time} is in the future`,
    };
  const { windowStart, periodStart } = windowsOf(time);
  const contributions: Contribution[] = [];
  for (const meter of meters) {
    const measured = measure(meter, event.data);
    if (typeof measured === 'string')
      return { ok: false, reason: 'VALUE_INVALID', detail: `${meter.name}: ${measured}` };
    contributions.push({
      eventId: event.id,
      meter: meter.name,
      windowStart,
      periodStart,
      groupKey: groupKey(meter.groupBy, event),
      // As sent (with its offset): Postgres compares instants, so LATEST is by event time.
      time: event.time,
      ...measured,
    });
  }
  return { ok: true, contributions };
}

/** The value (or distinct key) an event gives a meter, or why it cannot give one. */
function measure(
  meter: Meter,
  data: Record<string, unknown>,
): { value: number; uniqueValue: string | null } | string {
  if (meter.aggregation === 'COUNT') return { value: 1, uniqueValue: null };
  const property = meter.valueProperty ?? 'value';
  const raw = data[property];
  if (meter.aggregation === 'UNIQUE_COUNT') {
    if ((typeof raw === 'string' && raw.length > 0 && raw.length <= 200) || isFiniteNumber(raw))
      return { value: 0, uniqueValue: String(raw) };
    return `data.${property} must be a non-empty string or a number`;
  }
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (!isFiniteNumber(value)) return `data.${property} must be a number`;
  if (value < 0) return `data.${property} must not be negative`;
  return { value, uniqueValue: null };
}

function hasNul(event: UsageEvent): boolean {
  if (event.id.includes('\0') || event.source.includes('\0') || event.subject?.includes('\0'))
    return true;
  // Data is usually flat: check its strings; serialise only what nests. A plain loop: this runs
  // for every event ingested, and `Object.entries` allocates an array per property.
  for (const key in event.data) {
    const value = event.data[key];
    if (
      key.includes('\0') ||
      (typeof value === 'string' && value.includes('\0')) ||
      (typeof value === 'object' && value !== null && JSON.stringify(value).includes('\\u0000'))
    )
      return true;
  }
  return false;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * `{"route":"/a"}`: the meter's group-by properties in a fixed order; absent ones are null.
 * Properties are read from `data`, except `subject`: the event's own CloudEvents subject (what
 * the usage is about, e.g. the synced account).
 */
export function groupKey(
  groupBy: readonly string[],
  event: Pick<UsageEvent, 'subject' | 'data'>,
): string {
  if (groupBy.length === 0) return '{}';
  const key: Record<string, string | null> = {};
  for (const property of groupBy.length > 1 ? [...groupBy].sort() : groupBy) {
    const value = property === 'subject' ? event.subject : event.data[property];
    key[property] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : null;
  }
  return JSON.stringify(key);
}
