import { connect, type NatsConnection } from 'nats';
import { uniqueName } from './unique-name';

export const TEST_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestBus {
  /** Unique subject/stream prefix for this test file. */
  readonly prefix: string;
  readonly nc: NatsConnection;
  /** Deletes every stream this test created (those named with the prefix) and disconnects. */
  close(): Promise<void>;
}

/** A fresh prefix on the shared server, or on `url` (e.g. a private `startNatsServer()`). */
export async function createTestBus(label = 'tb', url = TEST_NATS_URL): Promise<TestBus> {
  const prefix = uniqueName(label).replace(/[^a-z0-9_]/g, '_');
  // Rides out a private server's restarts: reconnects for as long as the test lasts.
  const nc = await connect({ servers: url, name: `test-${prefix}`, maxReconnectAttempts: -1 });
  return {
    prefix,
    nc,
    async close() {
      const jsm = await nc.jetstreamManager();
      for await (const stream of jsm.streams.list()) {
        if (stream.config.name.toLowerCase().startsWith(prefix)) {
          await jsm.streams.delete(stream.config.name);
        }
      }
      await nc.drain();
    },
  };
}
