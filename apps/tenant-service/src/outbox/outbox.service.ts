import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  BusNaming,
  CORRELATION_ID_HEADER,
  TENANT_ID_HEADER,
  ACTOR_HEADER,
} from '@tenantbus/contracts';
import { TenantContext } from '@tenantbus/tenant-context';
import { context as otelContext, propagation } from '@opentelemetry/api';
import { OutboxEvent } from './outbox-event.entity';

/**
 * Appends an event to the outbox in the caller's transaction. Headers (tenant, correlation,
 * W3C trace context) are captured now, so the relay's publish continues the request's trace.
 */
@Injectable()
export class OutboxService {
  constructor(
    private readonly em: EntityManager,
    private readonly context: TenantContext,
    private readonly naming: BusNaming,
  ) {}

  append(event: {
    id: string;
    type: string;
    tenantId: string;
    payload: Record<string, unknown>;
  }): void {
    const headers: Record<string, string> = { [TENANT_ID_HEADER]: event.tenantId };
    const correlationId = this.context.correlationId;
    if (correlationId) headers[CORRELATION_ID_HEADER] = correlationId;
    const actor = this.context.actor;
    if (actor) headers[ACTOR_HEADER] = `${actor.kind}:${actor.id}`;
    propagation.inject(otelContext.active(), headers);
    this.em.create(OutboxEvent, {
      eventId: event.id,
      tenantId: event.tenantId,
      subject: this.naming.subject(event.type),
      payload: event.payload,
      headers,
    });
  }
}
