import { Logger } from '@nestjs/common';
import { AckPolicy, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { z } from 'zod';
import type { JointTenantRunner, TenantContext } from '../context/tenant-context';
import { TENANT_SPAN_ATTRIBUTES } from '../observability/tenant-span.processor';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import type { DeliveredMessage } from './jetstream-consumer';
import {
  DEFAULT_MAX_DELIVER,
  decodeMessage,
  ensureDurableConsumer,
  MessageSettler,
  PULL_EXPIRES_MS,
  retryBackoffMs,
  streamSequenceOf,
  type DurableConsumerOptions,
  type FastParse,
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

/**
 * How a round's messages are acknowledged.
 * `each`: one ack per message; several processes may share the durable.
 * `batch`: one ack-all per round, once every message of the round is settled (written or
 * dead-lettered) — far less work for client and server, but an ack-all also settles what other
 * readers of the durable were delivered, so exactly one process may consume it.
 */
export type BatchAckMode = 'each' | 'batch';

export interface JetStreamBatchConsumerOptions<S extends z.ZodType> extends Omit<
  DurableConsumerOptions,
  'ackPolicy'
> {
  readonly schema: S;
  /** The schema's hot path (see `FastParse`): every message is parsed, one by one. */
  readonly fastParse?: FastParse<z.output<S>>;
  /** Most messages written per round. */
  readonly batchSize?: number;
  /**
   * How long the first message after an idle spell waits for company before its round starts.
   * Under load rounds follow each other without waiting: a round takes what arrived while the
   * previous one was written.
   */
  readonly lingerMs?: number;
  readonly ack?: BatchAckMode;
  readonly maxDeliver?: number;
  /**
   * Transactions a round's tenant groups are shared out to, written at once (each holds a run of
   * tenants, rebound per group: `TenantContext.runTenantsJointly`). Default 1.
   */
  readonly transactionsPerRound?: number;
  readonly verifyTenant?: TenantVerifier;
  /**
   * Runs once per tenant per round, inside that tenant's scope (its own EntityManager, in a
   * transaction bound to that tenant), with all of its valid messages; they are acked only after
   * the transaction committed, and retried if it throws (then in a transaction of their own).
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

/** A written group's messages the handler refused, with why. */
type Rejected = Map<JsMsg, { reason: string; detail: string }>;

interface Refusal {
  readonly msg: JsMsg;
  readonly reason: string;
  readonly detail: string;
}

/** A delivered message, decoded and admitted on arrival: for a group, or refused. */
type Arrival<T> =
  | { readonly ok: true; readonly msg: JsMsg; readonly tenantId: string; readonly payload: T }
  | ({ readonly ok: false } & Refusal);

/** Delivery facts, parsed from the reply subject only if a handler asks for them. */
class Delivered implements DeliveredMessage {
  constructor(private readonly msg: JsMsg) {}

  get subject(): string {
    return this.msg.subject;
  }

  get streamSequence(): number {
    return this.msg.info.streamSequence;
  }

  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A durable pull consumer for high-volume tenant-scoped streams (usage metering). Messages flow
 * in continuously; each round takes what has arrived (up to `batchSize`), dead-letters what may
 * not run (bad header, bad payload, unknown tenant), groups the rest by tenant, and writes the
 * groups in one transaction (or a few: `transactionsPerRound`), rebound to each group's tenant
 * before its handler runs — RLS still binds every row to its tenant. One round at a time, so
 * settling (and an ack-all) follows delivery order.
 */
export class JetStreamBatchConsumer<S extends z.ZodType> {
  private readonly logger: Logger;
  private readonly settler: MessageSettler;
  private readonly maxDeliveries: MaxDeliveriesListener;
  private messages?: ConsumerMessages;
  /** Delivered and decoded, not yet in a round. */
  private arrived: Arrival<z.output<S>>[] = [];
  private round?: Promise<void>;
  private linger?: NodeJS.Timeout;
  private running = false;
  /** Rewinds since the last settled round: they back off. */
  private rewinds = 0;

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
    await this.deadLetters.ensureStream();
    this.maxDeliveries.start();
    this.running = true;
    await this.subscribe();
  }

  private async subscribe(): Promise<void> {
    // Room for the round being written and the one arriving meanwhile: this bounds memory too.
    await ensureDurableConsumer(this.nc, {
      maxAckPending: Math.max(2 * this.batchSize, 1_000),
      ...this.options,
      ackPolicy: this.batchAcks ? AckPolicy.All : AckPolicy.Explicit,
    });
    const consumer = await this.nc
      .jetstream()
      .consumers.get(this.options.stream, this.options.durable);
    this.messages = await consumer.consume({
      max_messages: this.batchSize,
      expires: PULL_EXPIRES_MS,
      callback: (msg) => this.onMessage(msg),
    });
  }

  /**
   * `batch` mode, after a round that could not be settled: a later ack-all would settle its
   * messages unwritten, so the consumer is restarted from its ack floor (see
   * `ensureDurableConsumer`) and everything after the floor is read again.
   */
  private async rewind(): Promise<void> {
    this.messages?.stop();
    this.messages = undefined;
    this.arrived = [];
    this.logger.warn({ msg: 'round not settled; re-reading from the ack floor' });
    while (this.running) {
      this.rewinds += 1;
      await sleep(retryBackoffMs(this.rewinds));
      if (!this.running) return;
      try {
        await this.subscribe();
        return;
      } catch (error) {
        this.logger.error({ msg: 'resubscribe failed', error: String(error) });
      }
    }
  }

  /**
   * Stops pulling, then writes and acks what was already delivered; nothing else is taken from
   * the stream.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.messages?.stop();
    this.messages = undefined;
    if (this.linger) this.startRound();
    while (this.round) await this.round;
    await this.maxDeliveries.stop();
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  private get batchAcks(): boolean {
    return this.options.ack === 'batch';
  }

  private onMessage(msg: JsMsg): void {
    // Decoded now rather than when its round starts: this work then overlaps the database
    // writing the round before, instead of leaving the database idle while a round is decoded.
    this.arrived.push(this.decode(msg));
    if (this.round) return;
    if (this.arrived.length >= this.batchSize || !this.running) this.startRound();
    else this.linger ??= setTimeout(() => this.startRound(), this.options.lingerMs ?? 20);
  }

  private startRound(): void {
    clearTimeout(this.linger);
    this.linger = undefined;
    const batch = this.arrived.splice(0, this.batchSize);
    this.round = this.process(batch)
      .catch((error: unknown) => {
        this.logger.error({ msg: 'batch round failed', error: String(error) });
        // `each`: its unacked messages come back after the ack wait.
        return !this.batchAcks;
      })
      .then((settled) => (settled ? undefined : this.rewind()))
      .finally(() => {
        this.round = undefined;
        // What arrived meanwhile has waited long enough: no linger.
        if (this.arrived.length) this.startRound();
      });
  }

  /** Size check, JSON, schema, tenant header (the parts of admission that need no lookup). */
  private decode(msg: JsMsg): Arrival<z.output<S>> {
    const decoded = decodeMessage(msg, this.options.schema, this.options.fastParse);
    if (!decoded.ok) return { ok: false, msg, reason: decoded.reason, detail: decoded.detail };
    const admission = admitTenantHeaders(msg.headers, decoded.raw);
    if (!admission.ok)
      return { ok: false, msg, reason: admission.reason, detail: admission.detail };
    return { ok: true, msg, tenantId: admission.tenantId, payload: decoded.payload };
  }

  /** Writes, dead-letters and acks one round; false (`batch` mode) if it could not settle it. */
  private async process(round: Arrival<z.output<S>>[]): Promise<boolean> {
    const refused: Refusal[] = [];
    const groups = new Map<string, TenantGroup<z.output<S>>>();
    for (const arrival of round) {
      if (!arrival.ok) {
        refused.push(arrival);
        continue;
      }
      const { msg, tenantId } = arrival;
      let group = groups.get(tenantId);
      if (!group) {
        group = { tenantId, items: [], messages: [] };
        groups.set(tenantId, group);
      }
      group.items.push({ payload: arrival.payload, message: new Delivered(msg) });
      group.messages.push(msg);
    }
    const batch = round.map((arrival) => arrival.msg);
    // Each distinct tenant is verified once per round, not once per message.
    const queue: TenantGroup<z.output<S>>[] = [];
    for (const group of groups.values()) {
      if (!this.options.verifyTenant || (await this.options.verifyTenant(group.tenantId))) {
        queue.push(group);
        continue;
      }
      const refusal = unknownTenant(group.tenantId);
      for (const msg of group.messages) refused.push({ msg, ...refusal });
    }
    let settled = await this.settleAll(refused);
    // A few transactions at once keep the database busy while this process prepares the next
    // share. Each takes a run of tenants in id order, so transactions of replicas sharing the
    // durable lock tenants in the same order and queue instead of deadlocking.
    queue.sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
    const shares = Math.min(this.options.transactionsPerRound ?? 1, queue.length);
    const perShare = Math.ceil(queue.length / shares);
    await Promise.all(
      Array.from({ length: shares }, async (_, share) => {
        const groups = queue.slice(share * perShare, (share + 1) * perShare);
        if (!(await this.commitJointly(groups, batch))) settled = false;
      }),
    );
    if (!this.batchAcks) return true;
    if (!settled) return false;
    // Ack-all: the highest stream sequence of the round settles it and every earlier delivery.
    let last = batch[0];
    let lastSequence = streamSequenceOf(last);
    for (const msg of batch) {
      const sequence = streamSequenceOf(msg);
      if (sequence > lastSequence) [last, lastSequence] = [msg, sequence];
    }
    last.ack();
    this.rewinds = 0;
    return true;
  }

  /**
   * Writes tenant groups in one transaction, each in its own tenant's scope (RLS rebound per
   * group), then settles them; false when it gave up because the consumer is stopping. If the
   * transaction rolls back, the groups are written again one transaction each, so one failing
   * tenant neither holds up nor dead-letters the others.
   */
  private async commitJointly(
    groups: readonly TenantGroup<z.output<S>>[],
    batch: JsMsg[],
  ): Promise<boolean> {
    let written: Rejected[];
    try {
      written = await this.context.runTenantsJointly(async (runAs) => {
        const rejected: Rejected[] = [];
        for (const group of groups) {
          const outcome = await this.write(group, runAs);
          if (!outcome.ok) throw outcome.error;
          rejected.push(outcome.rejected);
        }
        return rejected;
      });
    } catch (error) {
      this.logger.warn({
        msg: 'joint transaction rolled back; writing its tenant groups one by one',
        tenants: groups.length,
        error: String(error),
      });
      let settled = true;
      for (const group of groups) if (!(await this.commit(group, batch))) settled = false;
      return settled;
    }
    const settled = await Promise.all(
      groups.map((group, index) => this.settleWritten(group, written[index])),
    );
    return settled.every(Boolean);
  }

  /**
   * Writes one tenant group in its own transaction. `each`: acks its messages, or naks them for
   * redelivery. `batch`: retries here until it commits or is dead-lettered (a nak would be
   * settled by the next ack-all); false when it gave up because the consumer is stopping.
   */
  private async commit(group: TenantGroup<z.output<S>>, batch: JsMsg[]): Promise<boolean> {
    for (let attempt = group.messages[0].info.deliveryCount; ; attempt += 1) {
      const outcome = await this.write(group, (tenantId, fn) =>
        this.context.runWithTenant(tenantId, fn),
      );
      if (outcome.ok) return this.settleWritten(group, outcome.rejected);
      if (!this.batchAcks) {
        for (const msg of group.messages) await this.settler.retryOrDeadLetter(msg, outcome.error);
        return true;
      }
      if (attempt >= (this.options.maxDeliver ?? 5)) {
        const detail =
          outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        return this.settleAll(
          group.messages.map((msg) => ({ msg, reason: 'HANDLER_FAILED', detail })),
        );
      }
      this.logger.warn({
        msg: 'tenant group failed; will retry',
        tenant_id: group.tenantId,
        attempt,
        error: String(outcome.error),
      });
      if (!(await this.waitBeforeRetry(attempt, batch))) return false;
    }
  }

  /** After a group's transaction committed: acks (`each`) and dead-letters its rejections. */
  private settleWritten(group: TenantGroup<z.output<S>>, rejected: Rejected): Promise<boolean> {
    if (!this.batchAcks) for (const msg of group.messages) if (!rejected.has(msg)) msg.ack();
    return this.settleAll([...rejected].map(([msg, rejection]) => ({ msg, ...rejection })));
  }

  /** Runs the handler on one group in its tenant's scope, started by `runAs`. */
  private async write(
    group: TenantGroup<z.output<S>>,
    runAs: JointTenantRunner,
  ): Promise<{ ok: true; rejected: Rejected } | { ok: false; error: unknown }> {
    const first = group.messages[0];
    return withConsumerSpan(first.subject, first.headers, async (span) => {
      span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, group.tenantId);
      span.setAttribute('messaging.batch.message_count', group.messages.length);
      try {
        const rejections =
          (await runAs(group.tenantId, () => this.options.handleBatch(group.items))) ?? [];
        const byItem = new Map(rejections.map((rejection) => [rejection.item, rejection]));
        const rejected: Rejected = new Map();
        group.items.forEach((item, index) => {
          const rejection = byItem.get(item);
          if (rejection) rejected.set(group.messages[index], rejection);
        });
        return { ok: true, rejected };
      } catch (error) {
        span.recordException(error as Error);
        return { ok: false, error };
      }
    });
  }

  /**
   * Dead-letters refused messages. `each`: each is then terminated (or nak'ed if its letter could
   * not be written). `batch`: the round's ack-all covers them once their letters are written, so
   * a failed letter is retried here; false when it gave up because the consumer is stopping.
   */
  private async settleAll(refused: readonly Refusal[]): Promise<boolean> {
    if (!this.batchAcks) {
      await Promise.all(refused.map((r) => this.settler.deadLetter(r.msg, r.reason, r.detail)));
      return true;
    }
    const results = await Promise.all(
      refused.map(async (r) => {
        for (let attempt = 1; ; attempt += 1) {
          if (await this.settler.recordDeadLetter(r.msg, r.reason, r.detail)) return true;
          if (!(await this.waitBeforeRetry(attempt, [r.msg]))) return false;
        }
      }),
    );
    return results.every(Boolean);
  }

  /**
   * Backs off before retrying in place; meanwhile the held messages (and what arrived after them)
   * are marked in progress so the server does not hand them out again. False when stopping.
   */
  private async waitBeforeRetry(attempt: number, held: readonly JsMsg[]): Promise<boolean> {
    const until = Date.now() + retryBackoffMs(attempt);
    const ackWaitMs = this.options.ackWaitMs ?? 30_000;
    while (this.running && Date.now() < until) {
      for (const msg of held) msg.working();
      for (const arrival of this.arrived) arrival.msg.working();
      await sleep(Math.min(until - Date.now(), ackWaitMs / 3));
    }
    return this.running;
  }
}
