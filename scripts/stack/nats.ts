import { findNatsServerBinary, startNatsServer } from '@tenantbus/testing';
import { join } from 'node:path';
import { StackError } from './stack-error';

export interface NatsServer {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * `NATS_URL` when set; otherwise a `nats-server` from PATH with JetStream and its store under
 * `<dataDir>/nats`. Neither: one clear line on how to get one.
 */
export async function startNats(dataDir: string): Promise<NatsServer> {
  const external = process.env.NATS_URL;
  if (external) return { url: external, stop: async () => undefined };
  const binary = findNatsServerBinary();
  if (!binary) {
    throw new StackError(
      'no NATS: set NATS_URL, or put nats-server on PATH (https://github.com/nats-io/nats-server/releases, or `apt install nats-server`)',
    );
  }
  return startNatsServer({ binary, storeDir: join(dataDir, 'nats') });
}
