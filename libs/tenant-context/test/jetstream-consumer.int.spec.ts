import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import { BusNaming, DEAD_LETTER_TOKEN, defineSubject } from '@tenantbus/contracts';
import {
  createTestBus,
  readStream,
  waitFor,
  type TestBus,
  type TestDatabase,
} from '@tenantbus/testing';
import { headers as natsHeaders, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  DeadLetterPublisher,
  JetStreamTenantConsumer,
  TenantBus,
  TenantContext,
  TenantContextMissingError,
} from '../src';
import { createFixtureDatabase, initFixtureOrm } from './fixtures.db';
import { Widget } from './fixtures.entities';

const WidgetOrdered = defineSubject({
  name: 'orders.widget',
  scope: 'tenant',
  schema: z.object({
    name: z.string().min(1),
    failTimes: z.number().int().nonnegative().default(0),
  }),
});

describe('JetStream pull consumer: scope restored, ack after commit, dead letters (real NATS + Postgres)', () => {
  let db: TestDatabase;
  let bus: TestBus;
  let orm: MikroORM<PostgreSqlDriver>;
  let context: TenantContext;
  let naming: BusNaming;
  let tenantBus: TenantBus;
  let consumer: JetStreamTenantConsumer<typeof WidgetOrdered.schema>;
  const attempts = new Map<string, number>();
  const handledIn: { name: string; tenantId: string; visible: number }[] = [];
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const codec = JSONCodec<unknown>();

  const widgetsOf = (tenantId: string) =>
    db.query<{ name: string }>('select name from widget where tenant_id = $1 order by name', [
      tenantId,
    ]);

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_js');
    db = fixture.db;
    ({ orm, context } = await initFixtureOrm(fixture));
    bus = await createTestBus('tb_js');
    naming = new BusNaming(bus.prefix);
    tenantBus = new TenantBus(bus.nc, naming, context);
    const jsm = await bus.nc.jetstreamManager();
    await jsm.streams.add({
      name: naming.stream('orders'),
      subjects: [naming.subject('orders.>')],
    });
    const known = new Set<string>([tenantA, tenantB]);
    consumer = new JetStreamTenantConsumer(
      bus.nc,
      context,
      new DeadLetterPublisher(bus.nc, naming),
      {
        stream: naming.stream('orders'),
        durable: 'widget-writer',
        filterSubject: naming.subject(WidgetOrdered.name),
        schema: WidgetOrdered.schema,
        scope: { kind: 'tenant' },
        maxDeliver: 3,
        concurrency: 4,
        verifyTenant: async (tenantId) => known.has(tenantId),
        handle: async (payload) => {
          const em = orm.em as EntityManager;
          em.create(Widget, { name: payload.name });
          await em.flush();
          const attempt = (attempts.get(payload.name) ?? 0) + 1;
          attempts.set(payload.name, attempt);
          // Fails after writing: the transaction must roll back, so a retry never double-writes.
          if (attempt <= payload.failTimes) throw new Error(`planned failure ${attempt}`);
          handledIn.push({
            name: payload.name,
            tenantId: context.tenantId,
            visible: await em.count(Widget, {}),
          });
        },
      },
    );
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await bus?.close();
    await orm?.close(true);
    await db?.drop();
  });

  /** The handler records before its transaction commits: wait for the row itself. */
  const committed = (tenantId: string, name: string) =>
    waitFor(
      async () => ((await widgetsOf(tenantId)).some((row) => row.name === name) ? true : undefined),
      {
        what: `${name} committed`,
      },
    );

  const deadLetter = (marker: string) =>
    waitFor(
      async () => {
        const letters = await readStream(bus.nc, naming.stream(DEAD_LETTER_TOKEN), 1).catch(
          () => [],
        );
        return letters.find((letter) => JSON.stringify(letter.data).includes(marker));
      },
      { what: `dead letter for ${marker}` },
    );

  it('a message published in tenant A is handled in A and its row is stamped with A', async () => {
    await context.runWithTenant(tenantA, () =>
      tenantBus.publishDurable(WidgetOrdered, { name: 'alpha', failTimes: 0 }),
    );
    await context.runWithTenant(tenantB, () =>
      tenantBus.publishDurable(WidgetOrdered, { name: 'beta', failTimes: 0 }),
    );
    await committed(tenantA, 'alpha');
    await committed(tenantB, 'beta');
    expect(handledIn).toEqual(
      expect.arrayContaining([
        { name: 'alpha', tenantId: tenantA, visible: 1 },
        { name: 'beta', tenantId: tenantB, visible: 1 },
      ]),
    );
    expect(await widgetsOf(tenantA)).toEqual([{ name: 'alpha' }]);
    expect(await widgetsOf(tenantB)).toEqual([{ name: 'beta' }]);
  });

  it('publishing a tenant-scoped message with no context throws', async () => {
    await expect(
      tenantBus.publishDurable(WidgetOrdered, { name: 'nobody', failTimes: 0 }),
    ).rejects.toBeInstanceOf(TenantContextMissingError);
  });

  it('a failing handler rolls back; the redelivery commits exactly once', async () => {
    await context.runWithTenant(tenantA, () =>
      tenantBus.publishDurable(WidgetOrdered, { name: 'flaky', failTimes: 2 }),
    );
    await committed(tenantA, 'flaky');
    await waitFor(() => handledIn.find((entry) => entry.name === 'flaky'), {
      what: 'flaky handled',
    });
    expect(attempts.get('flaky')).toBe(3);
    expect((await widgetsOf(tenantA)).filter((row) => row.name === 'flaky')).toHaveLength(1);
  });

  it('a handler that keeps failing is dead-lettered after maxDeliver with its reason', async () => {
    await context.runWithTenant(tenantB, () =>
      tenantBus.publishDurable(WidgetOrdered, { name: 'doomed', failTimes: 99 }),
    );
    const letter = await deadLetter('doomed');
    expect(letter.headers['x-dead-letter-reason']).toBe('HANDLER_FAILED');
    expect(letter.headers['x-tenant-id']).toBe(tenantB);
    expect(attempts.get('doomed')).toBe(3);
    expect((await widgetsOf(tenantB)).filter((row) => row.name === 'doomed')).toHaveLength(0);
  });

  it.each([
    ['missing', undefined, { name: 'no-header' }, 'TENANT_HEADER_MISSING'],
    ['malformed', '12345', { name: 'bad-header' }, 'TENANT_HEADER_MALFORMED'],
    ['forged', randomUUID(), { name: 'forged-header' }, 'TENANT_UNKNOWN'],
    ['valid but payload invalid', 'A', { name: '', marker: 'empty-name' }, 'PAYLOAD_INVALID'],
  ])(
    '%s tenant header → terminated, dead-lettered, handler never runs',
    async (_label, tenant, payload, reason) => {
      const headers = natsHeaders();
      if (tenant) headers.set('x-tenant-id', tenant === 'A' ? tenantA : tenant);
      await bus.nc
        .jetstream()
        .publish(naming.subject(WidgetOrdered.name), codec.encode(payload), { headers });
      const marker = 'marker' in payload ? payload.marker : payload.name;
      const letter = await deadLetter(marker);
      expect(letter.headers['x-dead-letter-reason']).toBe(reason);
      expect(attempts.has(payload.name)).toBe(false);
    },
  );

  it('stop() ends the loop cleanly and the durable resumes where it left off', async () => {
    await consumer.stop();
    await context.runWithTenant(tenantA, () =>
      tenantBus.publishDurable(WidgetOrdered, { name: 'after-restart', failTimes: 0 }),
    );
    await consumer.start();
    await committed(tenantA, 'after-restart');
    expect((await widgetsOf(tenantA)).map((row) => row.name)).toEqual([
      'after-restart',
      'alpha',
      'flaky',
    ]);
  });
});
