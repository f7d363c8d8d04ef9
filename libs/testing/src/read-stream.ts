import { JSONCodec, type NatsConnection } from 'nats';

export interface StoredMessage {
  readonly subject: string;
  readonly headers: Record<string, string>;
  readonly data: unknown;
}

const codec = JSONCodec<unknown>();

/** Reads what a stream holds (e.g. the dead-letter stream), waiting until `count` are there. */
export async function readStream(
  nc: NatsConnection,
  stream: string,
  count: number,
  timeoutMs = 5_000,
): Promise<StoredMessage[]> {
  const jsm = await nc.jetstreamManager();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (info && info.state.messages >= count) break;
    if (Date.now() > deadline) {
      throw new Error(
        `stream ${stream} holds ${info?.state.messages ?? 0} messages, expected ${count}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const messages: StoredMessage[] = [];
  const info = await jsm.streams.info(stream);
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    if (!stored) continue;
    const headers: Record<string, string> = {};
    for (const [key, values] of stored.header ?? []) headers[key.toLowerCase()] = values[0];
    let data: unknown;
    try {
      data = codec.decode(stored.data);
    } catch {
      data = Buffer.from(stored.data).toString('utf8');
    }
    messages.push({ subject: stored.subject, headers, data });
  }
  return messages;
}
