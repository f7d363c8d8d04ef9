import { BusNaming } from '@tenantbus/contracts';
import { waitFor } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import type { Stack } from '../support/stack';
import {
  consumersCaughtUp,
  crashStack,
  drainedOutbox,
  endOf,
  messagesPerEventId,
} from './outbox.checks';

const TENANT_EVENTS = 'tenant_events';
const slug = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** One tenant change through the registry's API; the response, or undefined if the call died. */
async function change(stack: Stack, tenantId?: string) {
  const res = await (
    tenantId
      ? stack.call<{ id: string; version: number }>(
          'tenant-service',
          'PATCH',
          `/api/v1/tenants/${tenantId}`,
          {
            body: { name: `renamed ${randomUUID().slice(0, 6)}` },
          },
        )
      : stack.call<{ id: string; version: number }>('tenant-service', 'POST', '/api/v1/tenants', {
          body: { slug: slug('rel'), name: 'Reliability' },
        })
  ).catch(() => undefined);
  return res && res.status < 300 ? res.body : undefined;
}

/**
 * Every committed tenant change is published exactly once in effect: each outbox row's event id
 * is in the stream once (JetStream dropped the republishes), and both consumers hold every
 * tenant at the registry's version.
 */
async function expectPublishedOnce(stack: Stack): Promise<{ events: number; tenants: number }> {
  const eventIds = await drainedOutbox(stack, 'tenant-service');
  const perId = await messagesPerEventId(stack, TENANT_EVENTS, eventIds.length);
  expect([...perId.keys()].sort()).toEqual([...eventIds].sort());
  expect([...perId.values()].every((count) => count === 1)).toBe(true);
  const registry = await consumersCaughtUp(stack);
  return { events: eventIds.length, tenants: registry.size };
}

describe('outbox failpoints: the registry dies around the publish, restarts, publishes once', () => {
  it.each([
    ['outbox.before-publish', 'rows claimed, nothing published'],
    ['outbox.after-publish', 'rows published, not marked'],
  ])(
    '%s (%s)',
    async (failpoint) => {
      const stack = await crashStack({ 'tenant-service': { TENANTBUS_FAILPOINTS: failpoint } });
      try {
        const armed = stack.services['tenant-service'];
        const end = endOf(armed);
        // Concurrent changes: the first commit wakes the relay, which dies holding its batch.
        await Promise.all(Array.from({ length: 6 }, () => change(stack)));
        expect(await end).toBe('SIGKILL');
        const [{ pending }] = await stack.databases['tenant-service'].query<{ pending: number }>(
          'select count(*)::int as pending from outbox where published_at is null',
        );
        expect(pending).toBeGreaterThan(0);
        const jsm = await stack.bus.nc.jetstreamManager();
        const stream = new BusNaming(stack.bus.prefix).stream(TENANT_EVENTS);
        const before = (await jsm.streams.info(stream)).state.messages;
        // Before the publish the stream is empty; after it, the unmarked rows are already there.
        if (failpoint === 'outbox.before-publish') expect(before).toBe(0);
        else expect(before).toBeGreaterThan(0);

        await stack.restart('tenant-service', { TENANTBUS_FAILPOINTS: '' });
        const created = await change(stack);
        expect(created).toBeDefined();
        expect(await change(stack, created!.id)).toMatchObject({ version: 2 });
        const outcome = await expectPublishedOnce(stack);
        console.log(
          `${failpoint}: ${pending} rows pending at the kill, ${before} already in the stream; ${outcome.events} events once each, ${outcome.tenants} tenants at the registry's version`,
        );
      } finally {
        await stack.stop();
      }
    },
    180_000,
  );
});

describe('the registry killed with SIGKILL while tenant changes commit concurrently', () => {
  it('publishes every change answered 2xx before the kill, none twice in effect', async () => {
    const stack = await crashStack();
    try {
      const acknowledged: { id: string; version: number }[] = [];
      const tenants: string[] = [];
      let killed = false;
      // Four writers: creates, then renames of what they created, until the process is gone.
      const writer = async () => {
        while (!killed) {
          const target =
            tenants.length && Math.random() < 0.5
              ? tenants[Math.floor(Math.random() * tenants.length)]
              : undefined;
          const done = await change(stack, target);
          if (!done) continue;
          acknowledged.push({ id: done.id, version: done.version });
          if (!target) tenants.push(done.id);
        }
      };
      const writers = Array.from({ length: 4 }, writer);
      const registry = stack.services['tenant-service'];
      await waitFor(() => acknowledged.length >= 40, { intervalMs: 5, what: '40 changes' });
      registry.child.kill('SIGKILL');
      killed = true;
      expect(await endOf(registry)).toBe('SIGKILL');
      await Promise.all(writers);
      const answered = acknowledged.length;
      const [{ pending }] = await stack.databases['tenant-service'].query<{ pending: number }>(
        'select count(*)::int as pending from outbox where published_at is null',
      );

      await stack.restart('tenant-service');
      const outcome = await expectPublishedOnce(stack);
      // Every acknowledged change is in the stream at its version.
      const perId = await messagesPerEventId(stack, TENANT_EVENTS, outcome.events);
      expect(perId.size).toBe(outcome.events);
      const published = new Set(
        (
          await stack.databases['tenant-service'].query<{ tenant_id: string; version: number }>(
            `select tenant_id, (payload->'data'->'entry'->>'version')::int as version from outbox`,
          )
        ).map((row) => `${row.tenant_id}@${row.version}`),
      );
      const missing = acknowledged.filter((done) => !published.has(`${done.id}@${done.version}`));
      expect(missing).toEqual([]);
      console.log(
        `kill under load: ${answered} changes answered 2xx before the kill, ${pending} unpublished at the kill, ${outcome.events} events published once each, ${outcome.tenants} tenants at the registry's version`,
      );
    } finally {
      await stack.stop();
    }
  }, 180_000);
});
