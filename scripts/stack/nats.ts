import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { connect } from 'nats';
import { freePort, waitFor } from '@tenantbus/testing';
import { StackError } from './stack-error';

export interface NatsServer {
  readonly url: string;
  stop(): Promise<void>;
}

function onPath(binary: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs
    .map((dir) => join(dir, binary))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/**
 * `NATS_URL` when set; otherwise a `nats-server` from PATH with JetStream and its store under
 * `<dataDir>/nats`. Neither: one clear line on how to get one.
 */
export async function startNats(dataDir: string): Promise<NatsServer> {
  const external = process.env.NATS_URL;
  if (external) return { url: external, stop: async () => undefined };
  const binary = onPath('nats-server');
  if (!binary) {
    throw new StackError(
      'no NATS: set NATS_URL, or put nats-server on PATH (https://github.com/nats-io/nats-server/releases, or `apt install nats-server`)',
    );
  }
  const storeDir = join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const port = await freePort();
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: 'ignore',
  });
  const url = `nats://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new StackError(`nats-server exited (${child.exitCode})`);
      const nc = await connect({ servers: url }).catch(() => undefined);
      await nc?.close();
      return nc !== undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100, what: 'nats-server' },
  );
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
