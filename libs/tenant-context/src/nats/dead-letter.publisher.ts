import {
  DEAD_LETTER_DETAIL_HEADER,
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_SUBJECT_HEADER,
  DEAD_LETTER_TOKEN,
  DEAD_LETTER_TRUNCATED_HEADER,
  MAX_MESSAGE_BYTES,
  type BusNaming,
} from '@tenantbus/contracts';
import { headers as natsHeaders, RetentionPolicy, type MsgHdrs, type NatsConnection } from 'nats';

export interface DeadLetter {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: MsgHdrs;
  readonly reason: string;
  readonly detail: string;
}

/**
 * Copies refused messages, with the reason, to `<prefix>.dlq.<original subject>` on a JetStream
 * stream so they are kept for inspection and replay instead of vanishing.
 */
export class DeadLetterPublisher {
  private ready?: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
  ) {}

  get streamName(): string {
    return this.naming.stream(DEAD_LETTER_TOKEN);
  }

  /** Creates the dead-letter stream once; safe to call from several services. */
  ensureStream(): Promise<void> {
    this.ready ??= (async () => {
      const jsm = await this.nc.jetstreamManager();
      const subjects = [this.naming.deadLetter('>')];
      try {
        await jsm.streams.info(this.streamName);
      } catch {
        await jsm.streams.add({
          name: this.streamName,
          subjects,
          retention: RetentionPolicy.Limits,
        });
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async publish(letter: DeadLetter): Promise<void> {
    await this.ensureStream();
    const headers = natsHeaders();
    for (const [key, values] of letter.headers ?? [])
      values.forEach((value) => headers.append(key, value));
    headers.set(DEAD_LETTER_REASON_HEADER, headerSafe(letter.reason));
    headers.set(DEAD_LETTER_DETAIL_HEADER, headerSafe(letter.detail).slice(0, 1000));
    headers.set(DEAD_LETTER_SUBJECT_HEADER, letter.subject);
    // A body near the server's max_payload plus these headers would not fit: keep its head.
    let data = letter.data;
    if (data.length > MAX_MESSAGE_BYTES) {
      headers.set(DEAD_LETTER_TRUNCATED_HEADER, String(data.length));
      data = data.subarray(0, MAX_MESSAGE_BYTES);
    }
    await this.nc.jetstream().publish(this.naming.deadLetter(letter.subject), data, { headers });
  }
}

/** NATS header values cannot hold line breaks (error messages often do). */
function headerSafe(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}
