import { Injectable } from '@nestjs/common';
import { Subjects, UsageEventSchema, type UsageEvent } from '@tenantbus/contracts';
import {
  TenantBus,
  TenantbusError,
  TenantContext,
  ValidationFailedError,
} from '@tenantbus/tenant-context';
import { z } from 'zod';
import { MeterCatalog } from '../meters/meter-catalog';
import { UsageEventRules } from './usage-event.rules';

/** Largest batch one request may carry (the body limit bounds it too). */
export const MAX_EVENTS_PER_REQUEST = 500;

const BodySchema = z.union([
  UsageEventSchema,
  z.array(UsageEventSchema).min(1).max(MAX_EVENTS_PER_REQUEST),
]);

export class UsageEventsRejectedError extends TenantbusError {
  constructor(events: { index: number; id: string; code: string; message: string }[]) {
    super('USAGE_EVENTS_REJECTED', 'Some events cannot be metered; none were accepted', 400, {
      events,
    });
  }
}

/**
 * HTTP intake: the same rules as the stream consumer, answered synchronously, then the events go
 * onto the usage stream (one path to the database, one place that dedupes). A batch is all or
 * nothing, so a client never has to work out which half of its request counted.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly context: TenantContext,
    private readonly catalog: MeterCatalog,
    private readonly rules: UsageEventRules,
    private readonly bus: TenantBus,
  ) {}

  async submit(body: unknown): Promise<{ accepted: number }> {
    const parsed = BodySchema.safeParse(body);
    if (!parsed.success) {
      throw new ValidationFailedError(
        parsed.error.issues.map((issue) => ({
          field: issue.path.map(String).join('.') || '(body)',
          problems: [issue.message],
        })),
      );
    }
    const events: UsageEvent[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const now = Date.now();
    const rejected = events.flatMap((event, index) => {
      const evaluation = this.rules.evaluate(event, this.catalog.forEventType(event.type), now);
      return evaluation.ok
        ? []
        : [{ index, id: event.id, code: evaluation.reason, message: evaluation.detail }];
    });
    if (rejected.length) throw new UsageEventsRejectedError(rejected);
    const tenantId = this.context.tenantId;
    // The stream drops a re-sent id within its duplicate window; ingest dedupes beyond it.
    await Promise.all(
      events.map((event) =>
        this.bus.publishDurable(Subjects.usageEvent(event.type), event, `${tenantId}:${event.id}`),
      ),
    );
    return { accepted: events.length };
  }
}
