import { BusNaming } from '@tenantbus/contracts';
import { readStream, waitFor, type ServiceProcess } from '@tenantbus/testing';
import { startStack, type ServiceName, type Stack } from '../support/stack';

/** The three services (the sync-service needs a credentials key), with `env` per service. */
export function crashStack(
  env: Partial<Record<ServiceName, Record<string, string>>> = {},
): Promise<Stack> {
  return startStack({
    ...env,
    'sync-service': {
      CREDENTIALS_KEYS: `rel:${Buffer.alloc(32, 7).toString('base64')}`,
      ...env['sync-service'],
    },
  });
}

/** How a service process ended: its signal (`SIGKILL` for a failpoint or a kill -9). */
export function endOf(service: ServiceProcess): Promise<NodeJS.Signals | number | null> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

/** Waits until a service database's outbox has no unpublished row; returns every event id. */
export async function drainedOutbox(stack: Stack, service: keyof Stack['databases']) {
  const db = stack.databases[service];
  await waitFor(
    async () =>
      (
        await db.query<{ n: number }>(
          'select count(*)::int as n from outbox where published_at is null',
        )
      )[0].n === 0,
    { timeoutMs: 60_000, what: `${service} outbox drained` },
  );
  const rows = await db.query<{ event_id: string }>('select event_id from outbox order by id');
  return rows.map((row) => row.event_id);
}

/**
 * The messages a stream holds, counted per `Nats-Msg-Id` (the outbox event id). JetStream's
 * duplicate window must have dropped every republish, so each id is there once.
 */
export async function messagesPerEventId(
  stack: Stack,
  stream: string,
  atLeast: number,
): Promise<Map<string, number>> {
  const messages = await readStream(
    stack.bus.nc,
    new BusNaming(stack.bus.prefix).stream(stream),
    atLeast,
    30_000,
  );
  const counts = new Map<string, number>();
  for (const message of messages) {
    const id = message.headers['nats-msg-id'];
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Waits until both consumer services hold every registry tenant at the registry's version. */
export async function consumersCaughtUp(stack: Stack): Promise<Map<string, number>> {
  const registry = new Map(
    (
      await stack.databases['tenant-service'].query<{ id: string; version: number }>(
        'select id, version from tenant',
      )
    ).map((row) => [row.id, row.version]),
  );
  for (const service of ['sync-service', 'usage-service'] as const) {
    await waitFor(
      async () => {
        const states = await stack.databases[service].query<{ tenant_id: string; version: number }>(
          'select tenant_id, version from tenant_state',
        );
        const seen = new Map(states.map((state) => [state.tenant_id, state.version]));
        return [...registry].every(([id, version]) => seen.get(id) === version);
      },
      { timeoutMs: 60_000, what: `${service} caught up with the registry` },
    );
  }
  return registry;
}
