import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..', '..');

/** Where `npm run build` (Nest CLI, tsc builder) puts a service's entry point. */
export function serviceEntry(service: string): string {
  return join(ROOT, 'dist', 'apps', service, 'apps', service, 'src', 'main.js');
}

/**
 * The V8 flags every service runs with — also in the Dockerfile's CMD; see "Memory" in
 * ARCHITECTURE.md. A young generation capped at 8 MB semi-spaces (default 16): the services grew
 * it to the cap while booting and never gave it back, ~30 MB of idle RSS each (bench: memory).
 * An old generation capped at 192 MB: under a usage backlog the live heap stays near 50 MB, but
 * V8 let the heap's headroom grow the usage-service past 300 MB of RSS before collecting.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=8',
  '--max-old-space-size=192',
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ProcessEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly forced: boolean;
}

export interface ServiceProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the service printed, for assertions on structured logs. */
  output(): string;
  /** SIGTERM, then how the process ended (`forced` when it had to be SIGKILLed). */
  stop(timeoutMs?: number): Promise<ProcessEnd>;
}

/**
 * Starts a built service as a separate process and waits until `/health/ready` answers 200.
 * `nodeArgs` go to node before the entry point (e.g. `--cpu-prof`, which NODE_OPTIONS refuses).
 */
export async function startServiceProcess(
  service: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<ServiceProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(
    process.execPath,
    [...SERVICE_NODE_FLAGS, ...nodeArgs, serviceEntry(service)],
    {
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${service} exited early:\n${output}`);
      const res = await fetch(`${url}/health/ready`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `${service} ready` },
  );
  return {
    name: service,
    port,
    url,
    child,
    output: () => output,
    async stop(timeoutMs = 10_000) {
      let forced = false;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      const timer = setTimeout(() => {
        forced = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const end = await exited;
      clearTimeout(timer);
      return { ...end, forced };
    },
  };
}
