import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  JSONCodec,
  type ConsumerMessages,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import type { z } from 'zod';
import type { TenantContext } from '../context/tenant-context';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import { admitTenantMessage, type TenantVerifier } from './message-admission';
import { correlationIdOf } from './tenant-headers';
import { withConsumerSpan } from './trace-carrier';
import { TENANT_SPAN_ATTRIBUTES } from '../observability/tenant-span.processor';
import type { Span } from '@opentelemetry/api';

export interface DeliveredMessage {
  readonly subject: string;
  readonly streamSequence: number;
  readonly deliveryCount: number;
}

export type ConsumerScope = { kind: 'tenant' } | { kind: 'system'; reason: string };

export interface JetStreamConsumerOptions<S extends z.ZodType> {
  readonly stream: string;
  readonly durable: string;
  /** One subject filter (nats-server 2.9 has no multi-filter consumers). */
  readonly filterSubject: string;
  readonly schema: S;
  /** Tenant handlers run in the message's tenant; system handlers must say why. */
  readonly scope: ConsumerScope;
  readonly handle: (payload: z.output<S>, message: DeliveredMessage) => Promise<void>;
  /** Deliveries before a failing message is dead-lettered instead of retried. */
  readonly maxDeliver?: number;
  readonly ackWaitMs?: number;
  readonly concurrency?: number;
  readonly verifyTenant?: TenantVerifier;
}

const codec = JSONCodec<unknown>();

/**
 * A durable pull consumer whose handlers always run in a restored scope: the tenant from the
 * headers, a fresh context, a fresh EntityManager and transaction (via the scope hooks), and the
 * publisher's trace. The message is acked only after the handler's transaction committed.
 * Messages that may not run are terminated and copied to the dead-letter subject with a reason.
 */
export class JetStreamTenantConsumer<S extends z.ZodType> {
  private readonly logger: Logger;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly context: TenantContext,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly options: JetStreamConsumerOptions<S>,
  ) {
    this.logger = new Logger(`JetStream:${options.durable}`);
  }

  async start(): Promise<void> {
    const { stream, durable, filterSubject, ackWaitMs = 30_000 } = this.options;
    const jsm = await this.nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filterSubject,
      ack_wait: ackWaitMs * 1_000_000,
      // Redelivery is bounded by our own dead-lettering, so the server never drops silently.
      max_deliver: -1,
    });
    await this.deadLetters.ensureStream();
    const consumer = await this.nc.jetstream().consumers.get(stream, durable);
    this.messages = await consumer.consume({
      max_messages: Math.max(this.options.concurrency ?? 1, 100),
    });
    this.loop = this.run(this.messages);
  }

  /** Stops fetching, lets in-flight handlers finish (and ack), then returns. */
  async stop(): Promise<void> {
    // STACK.md: `stop()` (not `close()`) ends the iterator without hanging.
    this.messages?.stop();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
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
      let raw: unknown;
      try {
        raw = codec.decode(msg.data);
      } catch {
        return this.deadLetter(msg, 'PAYLOAD_NOT_JSON', 'message body is not JSON');
      }
      const parsed = this.options.schema.safeParse(raw);
      if (!parsed.success) {
        return this.deadLetter(msg, 'PAYLOAD_INVALID', describeIssues(parsed.error.issues));
      }
      const run = await this.scoped(msg, parsed.data, raw, span);
      if (!run) return;
      try {
        await run(() => this.options.handle(parsed.data, delivered));
        msg.ack();
      } catch (error) {
        await this.retryOrDeadLetter(msg, error);
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
      const correlationId = correlationIdOf(msg.headers);
      return (fn) =>
        this.context.asSystem(scope.reason, fn, {
          correlationId,
          actor: { kind: 'service', id: this.options.durable },
        });
    }
    const admission = await admitTenantMessage(
      msg.headers,
      raw ?? payload,
      this.options.verifyTenant,
    );
    if (!admission.ok) {
      await this.deadLetter(msg, admission.reason, admission.detail);
      return undefined;
    }
    span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, admission.tenantId);
    return (fn) =>
      this.context.runWithTenant(admission.tenantId, fn, {
        correlationId: admission.correlationId,
        actor: admission.actor,
      });
  }

  private async retryOrDeadLetter(msg: JsMsg, error: unknown): Promise<void> {
    const maxDeliver = this.options.maxDeliver ?? 5;
    const detail = error instanceof Error ? error.message : String(error);
    if (msg.info.deliveryCount >= maxDeliver) {
      await this.deadLetter(msg, 'HANDLER_FAILED', detail);
      return;
    }
    this.logger.warn({
      msg: 'handler failed; will retry',
      subject: msg.subject,
      delivery: msg.info.deliveryCount,
      error: detail,
    });
    msg.nak(Math.min(30_000, 200 * 2 ** msg.info.deliveryCount));
  }

  private async deadLetter(msg: JsMsg, reason: string, detail: string): Promise<void> {
    try {
      await this.deadLetters.publish({
        subject: msg.subject,
        data: msg.data,
        headers: msg.headers,
        reason,
        detail,
      });
      msg.term();
      this.logger.warn({ msg: 'message dead-lettered', subject: msg.subject, reason, detail });
    } catch (error) {
      // Never drop a message we could not park: leave it for redelivery.
      this.logger.error({
        msg: 'dead-letter publish failed; message will be redelivered',
        reason,
        error: String(error),
      });
      msg.nak(1_000);
    }
  }
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
