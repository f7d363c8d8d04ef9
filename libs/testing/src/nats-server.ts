import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { connect } from 'nats';
import { freePort } from './service-process';
import { waitFor } from './wait-for';

/** The first executable `nats-server` on PATH, if any. */
export function findNatsServerBinary(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs
    .map((dir) => join(dir, 'nats-server'))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export interface NatsServerProcess {
  readonly url: string;
  readonly storeDir: string;
  /** SIGTERM and wait: a clean shutdown. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash, the JetStream file store as it was. */
  kill(): Promise<void>;
  /** Starts again on the same port and store (after `stop` or `kill`). */
  start(): Promise<void>;
}

/**
 * A private nats-server with JetStream (file store), on its own port, that a test or the local
 * stack may stop, kill and restart without touching anyone else's server.
 */
export async function startNatsServer(
  options: { storeDir?: string; binary?: string } = {},
): Promise<NatsServerProcess> {
  const binary = options.binary ?? findNatsServerBinary();
  if (!binary) throw new Error('nats-server is not on PATH');
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'tenantbus-nats-'));
  mkdirSync(storeDir, { recursive: true });
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const current = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: 'ignore',
    });
    child = current;
    await waitFor(
      async () => {
        if (current.exitCode !== null) throw new Error(`nats-server exited (${current.exitCode})`);
        const nc = await connect({ servers: url, reconnect: false }).catch(() => undefined);
        if (!nc) return false;
        // Ready means JetStream answers too, not just the client port.
        const ready = await nc
          .jetstreamManager()
          .then(() => true)
          .catch(() => false);
        await nc.close();
        return ready;
      },
      { timeoutMs: 15_000, intervalMs: 50, what: 'nats-server' },
    );
  };
  const signal = async (name: NodeJS.Signals) => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(name);
    await exited;
  };
  await start();
  return { url, storeDir, start, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
