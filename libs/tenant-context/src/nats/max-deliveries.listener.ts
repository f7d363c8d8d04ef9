import type { Logger } from '@nestjs/common';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { z } from 'zod';
import type { DeadLetterPublisher } from './dead-letter.publisher';

export const MAX_DELIVERIES_REASON = 'MAX_DELIVERIES';
const ATTEMPTS = 5;

/** What nats-server announces when a consumer gives up redelivering a message (2.2+). */
const MaxDeliveriesAdvisorySchema = z.object({
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int().positive(),
  deliveries: z.number().int(),
});

export function maxDeliveriesAdvisorySubject(stream: string, durable: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;
}

/**
 * Dead-letters what the server stopped redelivering. A handler that throws is dead-lettered by
 * the consumer itself on its last delivery; one that never settles (it hangs, or the process dies
 * on that message every time) is not — the server stops after `max_deliver` and only says so in
 * an advisory, leaving the message in the stream where nobody would look. This listener fetches
 * it by stream sequence and copies it to the dead-letter stream with reason `MAX_DELIVERIES`.
 * Replicas share a queue group so each advisory is handled once. Advisories are core NATS: one
 * sent while no replica listens is lost (the message then stays in the stream, not redelivered).
 */
export class MaxDeliveriesListener {
  private subscription?: Subscription;
  private readonly handling = new Set<Promise<void>>();
  private readonly codec = JSONCodec<unknown>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly logger: Logger,
    private readonly target: { readonly stream: string; readonly durable: string },
    private readonly onDeadLetter?: (reason: string) => void,
  ) {}

  /** Subscribes; call before the consumer fetches, so no advisory of this run is missed. */
  start(): void {
    const { stream, durable } = this.target;
    this.subscription = this.nc.subscribe(maxDeliveriesAdvisorySubject(stream, durable), {
      queue: `${durable}-max-deliveries`,
      callback: (error, msg) => {
        if (error) return;
        const work = this.handle(msg.data).finally(() => this.handling.delete(work));
        this.handling.add(work);
      },
    });
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    await Promise.allSettled([...this.handling]);
  }

  private async handle(data: Uint8Array): Promise<void> {
    let advisory: z.output<typeof MaxDeliveriesAdvisorySchema>;
    try {
      advisory = MaxDeliveriesAdvisorySchema.parse(this.codec.decode(data));
    } catch (error) {
      this.logger.error({ msg: 'unreadable max-deliveries advisory', error: String(error) });
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deadLetter(advisory);
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS) {
          this.logger.error({
            msg: 'could not dead-letter a message past max deliveries; it stays in the stream',
            stream: advisory.stream,
            streamSequence: advisory.stream_seq,
            error: String(error),
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private async deadLetter(advisory: z.output<typeof MaxDeliveriesAdvisorySchema>): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(advisory.stream, { seq: advisory.stream_seq });
    await this.deadLetters.publish({
      subject: stored.subject,
      data: stored.data,
      headers: stored.header,
      reason: MAX_DELIVERIES_REASON,
      detail: `not acknowledged after ${advisory.deliveries} deliveries to ${advisory.consumer} (stream sequence ${advisory.stream_seq})`,
    });
    this.onDeadLetter?.(MAX_DELIVERIES_REASON);
    this.logger.warn({
      msg: 'message dead-lettered',
      subject: stored.subject,
      reason: MAX_DELIVERIES_REASON,
      streamSequence: advisory.stream_seq,
    });
  }
}
