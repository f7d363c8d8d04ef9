import { Logger } from '@nestjs/common';
import type { JsMsg, NatsConnection } from 'nats';
import type { z } from 'zod';
import type { TenantContext } from '../context/tenant-context';
import { TENANT_SPAN_ATTRIBUTES } from '../observability/tenant-span.processor';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import type { DeliveredMessage } from './jetstream-consumer';
import {
  DEFAULT_MAX_DELIVER,
  decodeMessage,
  ensureDurableConsumer,
  MessageSettler,
  type DurableConsumerOptions,
} from './jetstream-intake';
import { MaxDeliveriesListener } from './max-deliveries.listener';
import { admitTenantHeaders, unknownTenant, type TenantVerifier } from './message-admission';
import { withConsumerSpan } from './trace-carrier';

export interface BatchItem<T> {
  readonly payload: T;
  readonly message: DeliveredMessage;
}

/** An item the handler refuses (e.g. an unknown meter): dead-lettered with its reason. */
export interface BatchRejection<T> {
  readonly item: BatchItem<T>;
  readonly reason: string;
  readonly detail: string;
}

export interface JetStreamBatchConsumerOptions<S extends z.ZodType> extends DurableConsumerOptions {
  readonly schema: S;
  /** Most messages fetched per round. */
  readonly batchSize?: number;
  /** How long a round waits to fill the batch before processing what it has (nats.js: ≥ 1000). */
  readonly maxWaitMs?: number;
  readonly maxDeliver?: number;
  /** Tenant groups of one batch written at once, each in its own transaction. Default 1. */
  readonly groupConcurrency?: number;
  readonly verifyTenant?: TenantVerifier;
  /**
   * Runs once per tenant per round, inside that tenant's scope and transaction, with all of its
   * valid messages; they are acked only after it committed, and retried together if it throws.
   * Items it returns as rejected are dead-lettered (after the commit) instead of acked, so one
   * bad item never holds up the rest of its batch.
   */
  readonly handleBatch: (
    items: BatchItem<z.output<S>>[],
  ) => Promise<void | readonly BatchRejection<z.output<S>>[]>;
  /** Called once per dead-lettered message with its reason (metrics). */
  readonly onDeadLetter?: (reason: string) => void;
}

interface TenantGroup<T> {
  readonly tenantId: string;
  readonly items: BatchItem<T>[];
  readonly messages: JsMsg[];
}

/**
 * A durable pull consumer for high-volume tenant-scoped streams (usage metering): fetches a
 * batch, dead-letters what may not run (bad header, bad payload), groups the rest by tenant, and
 * writes each group in one transaction of that tenant — RLS still binds every row.
 */
export class JetStreamBatchConsumer<S extends z.ZodType> {
  private readonly logger: Logger;
  private readonly settler: MessageSettler;
  private readonly maxDeliveries: MaxDeliveriesListener;
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly context: TenantContext,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly options: JetStreamBatchConsumerOptions<S>,
  ) {
    this.logger = new Logger(`JetStreamBatch:${options.durable}`);
    this.settler = new MessageSettler(
      deadLetters,
      this.logger,
      options.maxDeliver ?? DEFAULT_MAX_DELIVER,
      options.onDeadLetter,
    );
    this.maxDeliveries = new MaxDeliveriesListener(
      nc,
      deadLetters,
      this.logger,
      options,
      options.onDeadLetter,
    );
  }

  async start(): Promise<void> {
    // A fetch may not ask for more than the consumer lets be unacknowledged at once.
    await ensureDurableConsumer(this.nc, {
      maxAckPending: Math.max(2 * this.batchSize, 1_000),
      ...this.options,
    });
    await this.deadLetters.ensureStream();
    this.maxDeliveries.start();
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the round in flight (commit and ack), then stops; unfetched messages stay on the stream. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.maxDeliveries.stop();
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  /**
   * Fetching the next batch overlaps writing the previous one (the database works while this
   * process receives), but batches are still written one after another.
   */
  private async run(): Promise<void> {
    const consumer = await this.nc
      .jetstream()
      .consumers.get(this.options.stream, this.options.durable);
    let writing: Promise<void> = Promise.resolve();
    while (this.running) {
      const batch: JsMsg[] = [];
      try {
        const fetched = await consumer.fetch({
          max_messages: this.batchSize,
          expires: Math.max(this.options.maxWaitMs ?? 1_000, 1_000),
        });
        for await (const msg of fetched) batch.push(msg);
      } catch (error) {
        this.logger.error({ msg: 'batch fetch failed', error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await writing;
      // What was fetched is always processed, even when stopping: it would otherwise sit
      // unacknowledged until the ack wait expires.
      writing = batch.length
        ? this.process(batch).catch((error: unknown) =>
            this.logger.error({ msg: 'batch round failed', error: String(error) }),
          )
        : Promise.resolve();
    }
    await writing;
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const groups = new Map<string, TenantGroup<z.output<S>>>();
    for (const msg of batch) {
      const decoded = decodeMessage(msg, this.options.schema);
      if (!decoded.ok) {
        await this.settler.deadLetter(msg, decoded.reason, decoded.detail);
        continue;
      }
      const admission = admitTenantHeaders(msg.headers, decoded.raw);
      if (!admission.ok) {
        await this.settler.deadLetter(msg, admission.reason, admission.detail);
        continue;
      }
      const group = groups.get(admission.tenantId) ?? {
        tenantId: admission.tenantId,
        items: [],
        messages: [],
      };
      // `msg.info` parses the reply subject on every access: read it once.
      const info = msg.info;
      group.items.push({
        payload: decoded.payload,
        message: {
          subject: msg.subject,
          streamSequence: info.streamSequence,
          deliveryCount: info.deliveryCount,
        },
      });
      group.messages.push(msg);
      groups.set(admission.tenantId, group);
    }
    // Each distinct tenant is verified once per batch, not once per message.
    const queue: TenantGroup<z.output<S>>[] = [];
    for (const group of groups.values()) {
      if (!this.options.verifyTenant || (await this.options.verifyTenant(group.tenantId))) {
        queue.push(group);
        continue;
      }
      const refusal = unknownTenant(group.tenantId);
      for (const msg of group.messages)
        await this.settler.deadLetter(msg, refusal.reason, refusal.detail);
    }
    // Tenant groups are independent transactions: a few at once keep the database busy.
    const workers = Math.min(this.options.groupConcurrency ?? 1, queue.length);
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let group = queue.shift(); group; group = queue.shift()) await this.commit(group);
      }),
    );
  }

  private async commit(group: TenantGroup<z.output<S>>): Promise<void> {
    const first = group.messages[0];
    await withConsumerSpan(first.subject, first.headers, async (span) => {
      span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, group.tenantId);
      span.setAttribute('messaging.batch.message_count', group.messages.length);
      let rejections: readonly BatchRejection<z.output<S>>[];
      try {
        rejections =
          (await this.context.runWithTenant(group.tenantId, () =>
            this.options.handleBatch(group.items),
          )) ?? [];
      } catch (error) {
        for (const msg of group.messages) await this.settler.retryOrDeadLetter(msg, error);
        return;
      }
      const rejected = new Map(rejections.map((rejection) => [rejection.item, rejection]));
      for (const [index, msg] of group.messages.entries()) {
        const rejection = rejected.get(group.items[index]);
        if (rejection) await this.settler.deadLetter(msg, rejection.reason, rejection.detail);
        else msg.ack();
      }
    });
  }
}
