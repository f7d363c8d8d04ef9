import { TenantLifecycleEventSchema, type TenantLifecycleEvent } from '@tenantbus/contracts';
import { readStream, startTcpProxy, waitFor, type TcpProxy } from '@tenantbus/testing';
import { BusNaming } from '@tenantbus/contracts';
import { JSONCodec } from 'nats';
import { MikroORM } from '@mikro-orm/core';
import {
  ensureTenantEventsStream,
  MetricsRegistry,
  NATS_CONNECTION,
  OutboxRelay,
  TenantContext,
} from '@tenantbus/tenant-context';

import { startTenantService, type TenantServiceHarness } from './tenant-service.harness';

const codec = JSONCodec<unknown>();

async function streamEvents(
  svc: TenantServiceHarness,
  count: number,
  timeoutMs = 15_000,
): Promise<TenantLifecycleEvent[]> {
  const naming = new BusNaming(svc.bus.prefix);
  const stored = await readStream(
    svc.bus.nc,
    await ensureTenantEventsStream(svc.bus.nc, naming),
    count,
    timeoutMs,
  );
  return stored.map((message) => TenantLifecycleEventSchema.parse(message.data));
}

async function createTenants(
  svc: TenantServiceHarness,
  prefix: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const res = await svc.call('POST', '/api/v1/tenants', {
      body: { slug: `${prefix}-${i}`, name: `${prefix} ${i}` },
    });
    expect(res.status).toBe(201);
    ids.push(res.body.id as string);
  }
  return ids;
}

describe('outbox: every committed change is published, once, in order (real Postgres + NATS)', () => {
  it('a consumer sees each tenant events in order, with the event id as Nats-Msg-Id', async () => {
    const svc = await startTenantService();
    try {
      const [id] = await createTenants(svc, 'ordered', 1);
      expect(
        (await svc.call('PATCH', `/api/v1/tenants/${id}`, { body: { name: 'Renamed' } })).status,
      ).toBe(200);
      expect(
        (await svc.call('POST', `/api/v1/tenants/${id}/suspend`, { body: { reason: 'unpaid' } }))
          .status,
      ).toBe(200);
      expect((await svc.call('POST', `/api/v1/tenants/${id}/activate`)).status).toBe(200);
      const events = await streamEvents(svc, 4);
      expect(events.map((event) => event.type)).toEqual([
        'tenant.created',
        'tenant.updated',
        'tenant.suspended',
        'tenant.activated',
      ]);
      expect(events.map((event) => event.data.entry.version)).toEqual([1, 2, 3, 4]);
      expect(events[2].data.entry.status).toBe('suspended');
      // The relay marks the rows in the transaction it commits after the stream acked them.
      const rows = await waitFor(async () => {
        const stored = await svc.db.query<{ event_id: string; published_at: Date | null }>(
          'select event_id, published_at from outbox order by id',
        );
        return stored.every((row) => row.published_at !== null) ? stored : undefined;
      });
      expect(rows.map((row) => row.event_id)).toEqual(events.map((event) => event.id));
    } finally {
      await svc.close();
    }
  });

  it('a commit wakes the relay (LISTEN/NOTIFY), also after the listen connection was cut', async () => {
    // A poll far longer than the test: only the commit's notification can publish in time.
    const svc = await startTenantService({ OUTBOX_POLL_MS: '60000' });
    try {
      await createTenants(svc, 'woken', 1);
      await streamEvents(svc, 1);
      // Postgres restarts and network cuts end the LISTEN session; the relay must listen again.
      const listening = () =>
        svc.db.query<{ pid: number }>(
          `select pid from pg_stat_activity
           where datname = current_database() and query like 'listen %'`,
        );
      const [session] = await listening();
      expect(session).toBeDefined();
      await svc.db.query('select pg_terminate_backend($1)', [session.pid]);
      await waitFor(async () => {
        const sessions = await listening();
        return sessions.length === 1 && sessions[0].pid !== session.pid ? true : undefined;
      });
      await createTenants(svc, 'woken-again', 1);
      const events = await streamEvents(svc, 2);
      expect(events.map((event) => event.data.entry.slug)).toEqual(['woken-0', 'woken-again-0']);
    } finally {
      await svc.close();
    }
  });

  it('relay stopped between commit and publish (crash): the backlog is published once on restart', async () => {
    const svc = await startTenantService({ OUTBOX_RELAY_ENABLED: 'false' });
    try {
      await createTenants(svc, 'crashed', 5);
      const pending = await svc.db.query<{ n: number }>(
        'select count(*)::int as n from outbox where published_at is null',
      );
      expect(pending[0].n).toBe(5);
      // A crash after publishing one row but before marking it: the same row goes out again later.
      const [first] = await svc.db.query<{ subject: string; event_id: string; payload: unknown }>(
        'select subject, event_id, payload from outbox order by id limit 1',
      );
      await svc.bus.nc
        .jetstream()
        .publish(first.subject, codec.encode(first.payload), { msgID: first.event_id });
      const relay = svc.app.get(OutboxRelay);
      relay.start();
      const events = await streamEvents(svc, 5);
      await waitFor(async () =>
        (
          await svc.db.query<{ n: number }>(
            'select count(*)::int as n from outbox where published_at is null',
          )
        )[0].n === 0
          ? true
          : undefined,
      );
      expect(new Set(events.map((event) => event.id)).size).toBe(5);
      const jsm = await svc.bus.nc.jetstreamManager();
      expect(
        (await jsm.streams.info(new BusNaming(svc.bus.prefix).stream('tenant_events'))).state
          .messages,
      ).toBe(5);
    } finally {
      await svc.close();
    }
  });

  it('two relay instances never publish the same rows concurrently, and keep the order', async () => {
    const svc = await startTenantService({ OUTBOX_RELAY_ENABLED: 'false', OUTBOX_BATCH_SIZE: '7' });
    try {
      const ids = await createTenants(svc, 'pair', 30);
      const first = svc.app.get(OutboxRelay);
      const second = new OutboxRelay(
        svc.app.get(MikroORM),
        svc.app.get(TenantContext),
        svc.app.get(NATS_CONNECTION),
        new BusNaming(svc.bus.prefix),
        { enabled: false, pollMs: 50, batchSize: 7, ensureStreams: [] },
        svc.app.get(MetricsRegistry),
      );
      let total = 0;
      for (let round = 0; round < 20 && total < 30; round += 1) {
        const published = await Promise.all([first.drainOnce(), second.drainOnce()]);
        total += published[0] + published[1];
      }
      // Each relay counts the rows it marked published: a row taken by both would count twice.
      // (Both may publish in one round when one commits before the other asks for the lock.)
      expect(total).toBe(30);
      const events = await streamEvents(svc, 30);
      expect(events.map((event) => event.tenantId)).toEqual(ids);
    } finally {
      await svc.close();
    }
  });

  describe('NATS unreachable while 100 tenants are created', () => {
    let proxy: TcpProxy;
    let svc: TenantServiceHarness;

    beforeAll(async () => {
      proxy = await startTcpProxy('127.0.0.1', 4222);
      svc = await startTenantService({ NATS_URL: proxy.url });
    });

    afterAll(async () => {
      await svc?.close();
      await proxy?.close();
    });

    it('keeps every change and publishes each event exactly once after NATS returns', async () => {
      await proxy.cut();
      const ids = await createTenants(svc, 'offline', 100);
      const pending = await svc.db.query<{ n: number }>(
        'select count(*)::int as n from outbox where published_at is null',
      );
      expect(pending[0].n).toBeGreaterThan(90);
      await proxy.restore();
      const events = await streamEvents(svc, 100, 45_000);
      await waitFor(
        async () =>
          (
            await svc.db.query<{ n: number }>(
              'select count(*)::int as n from outbox where published_at is null',
            )
          )[0].n === 0
            ? true
            : undefined,
        { timeoutMs: 30_000, what: 'outbox drained' },
      );
      const created = events.filter((event) => event.type === 'tenant.created');
      expect(created).toHaveLength(100);
      expect(new Set(created.map((event) => event.tenantId))).toEqual(new Set(ids));
      const jsm = await svc.bus.nc.jetstreamManager();
      expect(
        (await jsm.streams.info(new BusNaming(svc.bus.prefix).stream('tenant_events'))).state
          .messages,
      ).toBe(100);
    });
  });
});
