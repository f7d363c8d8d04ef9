import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  BusNaming,
  SYSTEM_SCOPE_HEADER,
  TENANT_ID_HEADER,
  type SubjectDefinition,
} from '@tenantbus/contracts';
import type { z } from 'zod';
import { TenantContext } from '../context/tenant-context';
import { outboundHeaders } from '../nats/tenant-headers';
import { OutboxEvent } from './outbox-event.entity';

export interface EnqueueOptions {
  /** The event's id: its JetStream `Nats-Msg-Id` and the consumers' idempotency key. */
  readonly id: string;
  /**
   * The tenant a system-level event concerns (e.g. a lifecycle event written by an admin in
   * system scope): sent as its tenant header. Tenant-scoped events take the context's tenant.
   */
  readonly tenantId?: string;
}

/**
 * Appends an event to the outbox in the current unit of work's transaction: it is published if
 * and only if that transaction commits. The payload is checked against its contract now, and the
 * headers (tenant, correlation, actor, W3C trace context) are captured now, so the relay's
 * publish carries the request's scope and continues its trace.
 */
@Injectable()
export class OutboxService {
  constructor(
    private readonly em: EntityManager,
    private readonly context: TenantContext,
    private readonly naming: BusNaming,
  ) {}

  enqueue<S extends z.ZodType>(
    definition: SubjectDefinition<S>,
    payload: z.input<S>,
    options: EnqueueOptions,
  ): void {
    const subject = this.naming.subject(definition.name);
    const data = definition.schema.parse(payload) as Record<string, unknown>;
    const headers = outboundHeaders(this.context, subject, definition.scope);
    if (options.tenantId) {
      headers.set(TENANT_ID_HEADER, options.tenantId);
      headers.delete(SYSTEM_SCOPE_HEADER);
    }
    this.em.create(OutboxEvent, {
      eventId: options.id,
      tenantId: options.tenantId ?? this.context.maybeTenantId ?? null,
      subject,
      payload: data,
      headers: Object.fromEntries(headers.keys().map((key) => [key, headers.get(key)])),
    });
  }
}
