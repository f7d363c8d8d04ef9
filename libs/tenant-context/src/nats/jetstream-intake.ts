import type { Logger } from '@nestjs/common';
import { MAX_MESSAGE_BYTES } from '@tenantbus/contracts';
import { AckPolicy, DeliverPolicy, JSONCodec, type JsMsg, type NatsConnection } from 'nats';
import type { z } from 'zod';
import type { DeadLetterPublisher } from './dead-letter.publisher';

const codec = JSONCodec<unknown>();

/**
 * Deliveries before a failing message is dead-lettered. With the nak backoff (0.4 s doubling to
 * 30 s) 20 deliveries span about 7 minutes, so a database or broker outage delays messages
 * instead of dead-lettering them (the Postgres fault test lost committed tenant changes at 5).
 */
export const DEFAULT_MAX_DELIVER = 20;

/**
 * Lifetime of each pull request a consumer leaves waiting on the server (nats.js default 30 s).
 * The server keeps a killed reader's requests until they expire and spends redeliveries on them —
 * including the one past `max_deliver`, whose advisory then reaches no listener (the reliability
 * suite's "dies on it every time" case). Short-lived requests die soon after their reader.
 */
export const PULL_EXPIRES_MS = 5_000;

/** Wait before retry `attempt` (1, 2, …) of a failed message or round: 0.4 s doubling to 30 s. */
export const retryBackoffMs = (attempt: number): number => Math.min(30_000, 200 * 2 ** attempt);

export interface DurableConsumerOptions {
  readonly stream: string;
  readonly durable: string;
  /** One subject filter (nats-server 2.9 has no multi-filter consumers). */
  readonly filterSubject: string;
  readonly ackWaitMs?: number;
  /** Most messages delivered but not yet acked (server default 1000); batch consumers raise it. */
  readonly maxAckPending?: number;
  /** Deliveries before the server gives up (its advisory is dead-lettered). */
  readonly maxDeliver?: number;
  /**
   * `explicit` (default): every message is acked on its own, so readers may share the durable.
   * `all`: one ack settles every earlier delivery, so the durable must have a single reader.
   */
  readonly ackPolicy?: AckPolicy.Explicit | AckPolicy.All;
}

/**
 * Creates the durable pull consumer, or tunes an existing one (ack wait, max ack pending, max
 * deliver). Redelivery is bounded; nothing ends silently.
 *
 * An ack-all consumer (or one switching ack policy, which the server cannot update) that still
 * has unacknowledged deliveries is recreated from its ack floor: the server would otherwise hand
 * newer messages out first, and their ack-all would settle the older ones unseen. Everything past
 * the floor is delivered again, which the readers' idempotency absorbs.
 */
export async function ensureDurableConsumer(
  nc: NatsConnection,
  options: DurableConsumerOptions,
): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const ackPolicy = options.ackPolicy ?? AckPolicy.Explicit;
  const tunable = {
    ack_wait: (options.ackWaitMs ?? 30_000) * 1_000_000,
    ...(options.maxAckPending ? { max_ack_pending: options.maxAckPending } : {}),
    // A failing handler is dead-lettered by its consumer on the last delivery; one that never
    // settles (hangs, crashes the process) ends in the server's advisory: MaxDeliveriesListener.
    max_deliver: options.maxDeliver ?? DEFAULT_MAX_DELIVER,
  };
  const create = (start: { deliver_policy: DeliverPolicy; opt_start_seq?: number }) =>
    jsm.consumers.add(options.stream, {
      durable_name: options.durable,
      ack_policy: ackPolicy,
      filter_subject: options.filterSubject,
      ...start,
      ...tunable,
    });
  const existing = await jsm.consumers
    .info(options.stream, options.durable)
    .catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  if (!existing) {
    await create({ deliver_policy: DeliverPolicy.All });
    return;
  }
  const inherited = ackPolicy === AckPolicy.All && existing.num_ack_pending > 0;
  if (existing.config.ack_policy === ackPolicy && !inherited) {
    await jsm.consumers.update(options.stream, options.durable, tunable);
    return;
  }
  await jsm.consumers.delete(options.stream, options.durable);
  await create({
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: existing.ack_floor.stream_seq + 1,
  });
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

/**
 * A delivered message's stream sequence, read from its reply subject alone (`msg.info` splits
 * and parses every field into a new object; an ack-all round needs only this one, per message):
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sequence>.…` (9 tokens), or with a domain and
 * account hash after `ACK` (12 tokens).
 */
export function streamSequenceOf(msg: JsMsg): number {
  // nats.js's messages carry their reply subject, though its typings do not name it.
  const reply = (msg as { reply?: unknown }).reply;
  if (typeof reply !== 'string') return msg.info.streamSequence;
  let dots = 0;
  for (let at = reply.indexOf('.'); at !== -1; at = reply.indexOf('.', at + 1)) dots += 1;
  // Anything else: nats.js's own parser (which throws on what is not a JetStream reply).
  if (dots !== 8 && dots !== 11) return msg.info.streamSequence;
  let start = 0;
  for (let token = dots === 8 ? 5 : 7; token > 0; token -= 1) start = reply.indexOf('.', start) + 1;
  return parseInt(reply.slice(start, reply.indexOf('.', start)), 10);
}

export type Decoded<T> =
  { ok: true; raw: unknown; payload: T } | { ok: false; reason: string; detail: string };

/**
 * A cheaper parse of a contract's common case: returns what the schema would, or `undefined` for
 * the schema to decide (so it may decline anything, but accept only what the schema accepts).
 */
export type FastParse<T> = (raw: unknown) => T | undefined;

/** Size-checks, JSON-decodes and validates a message body against its contract. */
export function decodeMessage<S extends z.ZodType>(
  msg: JsMsg,
  schema: S,
  fastParse?: FastParse<z.output<S>>,
): Decoded<z.output<S>> {
  if (msg.data.length > MAX_MESSAGE_BYTES)
    return {
      ok: false,
      reason: 'PAYLOAD_TOO_LARGE',
      detail: `${msg.data.length} bytes; the limit is ${MAX_MESSAGE_BYTES}`,
    };
  let raw: unknown;
  try {
    raw = codec.decode(msg.data);
  } catch {
    return { ok: false, reason: 'PAYLOAD_NOT_JSON', detail: 'message body is not JSON' };
  }
  const fast = fastParse?.(raw);
  if (fast !== undefined) return { ok: true, raw, payload: fast };
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, reason: 'PAYLOAD_INVALID', detail: describeIssues(parsed.error.issues) };
  return { ok: true, raw, payload: parsed.data };
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Ends a message's life the right way: dead-letter (then terminate) with a reason, or nak with
 * backoff until `maxDeliver`. A message whose dead letter could not be written is never dropped.
 */
export class MessageSettler {
  constructor(
    private readonly deadLetters: DeadLetterPublisher,
    private readonly logger: Logger,
    private readonly maxDeliver: number,
    private readonly onDeadLetter?: (reason: string) => void,
  ) {}

  async deadLetter(msg: JsMsg, reason: string, detail: string): Promise<void> {
    if (await this.recordDeadLetter(msg, reason, detail)) msg.term();
    else msg.nak(1_000);
  }

  /** Writes the dead letter (without settling the message); false if it could not be written. */
  async recordDeadLetter(msg: JsMsg, reason: string, detail: string): Promise<boolean> {
    try {
      await this.deadLetters.publish({
        subject: msg.subject,
        data: msg.data,
        headers: msg.headers,
        reason,
        detail,
      });
    } catch (error) {
      this.logger.error({
        msg: 'dead-letter publish failed; message will be retried',
        reason,
        error: String(error),
      });
      return false;
    }
    this.onDeadLetter?.(reason);
    this.logger.warn({ msg: 'message dead-lettered', subject: msg.subject, reason, detail });
    return true;
  }

  async retryOrDeadLetter(msg: JsMsg, error: unknown): Promise<void> {
    const detail = error instanceof Error ? error.message : String(error);
    if (msg.info.deliveryCount >= this.maxDeliver) {
      await this.deadLetter(msg, 'HANDLER_FAILED', detail);
      return;
    }
    this.logger.warn({
      msg: 'handler failed; will retry',
      subject: msg.subject,
      delivery: msg.info.deliveryCount,
      error: detail,
    });
    msg.nak(retryBackoffMs(msg.info.deliveryCount));
  }
}
