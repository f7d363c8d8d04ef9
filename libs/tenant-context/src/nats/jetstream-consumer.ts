import { Logger } from '@nestjs/common';
import { TENANT_ID_HEADER } from '@tenantbus/contracts';
import type { ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import type { z } from 'zod';
import type { TenantContext } from '../context/tenant-context';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import {
  DEFAULT_MAX_DELIVER,
  decodeMessage,
  ensureDurableConsumer,
  MessageSettler,
  PULL_EXPIRES_MS,
  type DurableConsumerOptions,
} from './jetstream-intake';
import { MaxDeliveriesListener } from './max-deliveries.listener';
import { admitTenantHeaders, admitTenantMessage, type TenantVerifier } from './message-admission';
import { concerningTenantOf, correlationIdOf } from './tenant-headers';
import { withConsumerSpan } from './trace-carrier';
import { TENANT_SPAN_ATTRIBUTES } from '../observability/tenant-span.processor';
import type { Span } from '@opentelemetry/api';

export interface DeliveredMessage {
  readonly subject: string;
  readonly streamSequence: number;
  readonly deliveryCount: number;
}

export type ConsumerScope = { kind: 'tenant' } | { kind: 'system'; reason: string };

export interface JetStreamConsumerOptions<S extends z.ZodType> extends DurableConsumerOptions {
  readonly schema: S;
  /** Tenant handlers run in the message's tenant; system handlers must say why. */
  readonly scope: ConsumerScope;
  readonly handle: (payload: z.output<S>, message: DeliveredMessage) => Promise<void>;
  /** Deliveries before a failing message is dead-lettered instead of retried. */
  readonly maxDeliver?: number;
  readonly concurrency?: number;
  readonly verifyTenant?: TenantVerifier;
}

/**
 * A durable pull consumer whose handlers always run in a restored scope: the tenant from the
 * headers, a fresh context, a fresh EntityManager and transaction (via the scope hooks), and the
 * publisher's trace. The message is acked only after the handler's transaction committed.
 * Messages that may not run are terminated and copied to the dead-letter subject with a reason.
 */
export class JetStreamTenantConsumer<S extends z.ZodType> {
  private readonly settler: MessageSettler;
  private readonly maxDeliveries: MaxDeliveriesListener;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly context: TenantContext,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly options: JetStreamConsumerOptions<S>,
  ) {
    const logger = new Logger(`JetStream:${options.durable}`);
    this.settler = new MessageSettler(
      deadLetters,
      logger,
      options.maxDeliver ?? DEFAULT_MAX_DELIVER,
    );
    this.maxDeliveries = new MaxDeliveriesListener(nc, deadLetters, logger, options);
  }

  async start(): Promise<void> {
    const { stream, durable } = this.options;
    await ensureDurableConsumer(this.nc, this.options);
    await this.deadLetters.ensureStream();
    this.maxDeliveries.start();
    const consumer = await this.nc.jetstream().consumers.get(stream, durable);
    this.messages = await consumer.consume({
      max_messages: Math.max(this.options.concurrency ?? 1, 100),
      expires: PULL_EXPIRES_MS,
    });
    this.loop = this.run(this.messages);
  }

  /** Stops fetching, lets in-flight handlers finish (and ack), then returns. */
  async stop(): Promise<void> {
    // STACK.md: `stop()` (not `close()`) ends the iterator without hanging.
    this.messages?.stop();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.maxDeliveries.stop();
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const concurrency = this.options.concurrency ?? 1;
    for await (const msg of messages) {
      const work = this.process(msg).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
      if (this.inFlight.size >= concurrency) await Promise.race(this.inFlight);
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const delivered: DeliveredMessage = {
      subject: msg.subject,
      streamSequence: msg.info.streamSequence,
      deliveryCount: msg.info.deliveryCount,
    };
    await withConsumerSpan(msg.subject, msg.headers, async (span) => {
      const decoded = decodeMessage(msg, this.options.schema);
      if (!decoded.ok) return this.settler.deadLetter(msg, decoded.reason, decoded.detail);
      const parsed = { data: decoded.payload };
      const raw = decoded.raw;
      const run = await this.scoped(msg, parsed.data, raw, span);
      if (!run) return;
      try {
        await run(() => this.options.handle(parsed.data, delivered));
        msg.ack();
      } catch (error) {
        await this.settler.retryOrDeadLetter(msg, error);
      }
    });
  }

  /** Returns how to run the handler in the right scope, or undefined after dead-lettering. */
  private async scoped(
    msg: JsMsg,
    payload: z.output<S>,
    raw: unknown,
    span: Span,
  ): Promise<((fn: () => Promise<void>) => Promise<void>) | undefined> {
    const scope = this.options.scope;
    if (scope.kind === 'system') {
      // System messages about a tenant (lifecycle events) need no tenant header, but one that
      // is there must be well-formed and name the tenant the payload is about.
      const claimed = msg.headers?.get(TENANT_ID_HEADER)
        ? admitTenantHeaders(msg.headers, raw)
        : undefined;
      if (claimed && !claimed.ok) {
        await this.settler.deadLetter(msg, claimed.reason, claimed.detail);
        return undefined;
      }
      const correlationId = correlationIdOf(msg.headers);
      const concerning = concerningTenantOf(msg.headers);
      return (fn) =>
        this.context.asSystem(scope.reason, fn, {
          correlationId,
          actor: { kind: 'service', id: this.options.durable },
          concerning,
        });
    }
    const admission = await admitTenantMessage(
      msg.headers,
      raw ?? payload,
      this.options.verifyTenant,
    );
    if (!admission.ok) {
      await this.settler.deadLetter(msg, admission.reason, admission.detail);
      return undefined;
    }
    span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, admission.tenantId);
    return (fn) =>
      this.context.runWithTenant(admission.tenantId, fn, {
        correlationId: admission.correlationId,
        actor: admission.actor,
      });
  }
}
