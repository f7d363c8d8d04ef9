import { spawn, type ChildProcess } from 'node:child_process';
import { SERVICE_NODE_FLAGS, serviceEntry, waitFor } from '@tenantbus/testing';
import { StackError } from './stack-error';

export interface ServiceDefinition {
  readonly name: string;
  readonly port: number;
  readonly database: string;
}

export interface RunningService extends ServiceDefinition {
  readonly url: string;
  readonly child: ChildProcess;
}

/** Ports can be moved with TENANT_SERVICE_PORT, SYNC_SERVICE_PORT, USAGE_SERVICE_PORT. */
export function serviceDefinitions(env: NodeJS.ProcessEnv): ServiceDefinition[] {
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return [
    {
      name: 'tenant-service',
      port: port('TENANT_SERVICE_PORT', 3001),
      database: 'tenantbus_tenants',
    },
    { name: 'sync-service', port: port('SYNC_SERVICE_PORT', 3002), database: 'tenantbus_sync' },
    { name: 'usage-service', port: port('USAGE_SERVICE_PORT', 3003), database: 'tenantbus_usage' },
  ];
}

/** Starts a built service as its own process (logs to this terminal) and waits until it is ready. */
export async function startService(
  definition: ServiceDefinition,
  env: Record<string, string>,
  onUnexpectedExit: (service: string, reason: string) => void,
): Promise<RunningService> {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, serviceEntry(definition.name)], {
    env: { ...process.env, ...env, SERVICE_NAME: definition.name, PORT: String(definition.port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) => onUnexpectedExit(definition.name, `${signal ?? code}`));
  const url = `http://127.0.0.1:${definition.port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new StackError(`${definition.name} exited during start`);
      const res = await fetch(`${url}/health/ready`).catch(() => undefined);
      return res?.ok === true;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `${definition.name} ready` },
  );
  return { ...definition, url, child };
}

/** SIGTERM (the services drain: in-flight requests, outbox batch, consumer acks), SIGKILL after 15 s. */
export async function stopService(service: RunningService): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
