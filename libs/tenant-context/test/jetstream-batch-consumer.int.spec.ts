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
import { AckPolicy, headers as natsHeaders, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  DeadLetterPublisher,
  JetStreamBatchConsumer,
  TenantBus,
  type BatchAckMode,
  type TenantContext,
} from '../src';
import { ensureDurableConsumer, type DurableConsumerOptions } from '../src/nats/jetstream-intake';
import { createFixtureDatabase, initFixtureOrm } from './fixtures.db';
import { Widget } from './fixtures.entities';

const Metered = defineSubject({
  name: 'metered.widget',
  scope: 'tenant',
  schema: z.object({ name: z.string().min(1), failOnce: z.boolean().default(false) }),
});

const TENANTS = 5;
const PER_TENANT = 60;

describe.each<BatchAckMode>(['each', 'batch'])(
  'JetStream batch consumer, acks %s: tenant groups written in one transaction per round (real NATS + Postgres)',
  (ack) => {
    let db: TestDatabase;
    let bus: TestBus;
    let orm: MikroORM<PostgreSqlDriver>;
    let context: TenantContext;
    let naming: BusNaming;
    let consumer: JetStreamBatchConsumer<typeof Metered.schema>;
    const tenants = Array.from({ length: TENANTS }, () => randomUUID());
    const calls: { contextTenant: string; size: number; txid: string }[] = [];
    const failedOnce = new Set<string>();
    const codec = JSONCodec<unknown>();

    const rowsOf = async (tenantId: string) =>
      (
        await db.query<{ n: number }>(
          'select count(*)::int as n from widget where tenant_id = $1',
          [tenantId],
        )
      )[0].n;

    beforeAll(async () => {
      const fixture = await createFixtureDatabase('tb_batch');
      db = fixture.db;
      ({ orm, context } = await initFixtureOrm(fixture));
      bus = await createTestBus('tb_batch');
      naming = new BusNaming(bus.prefix);
      const jsm = await bus.nc.jetstreamManager();
      await jsm.streams.add({
        name: naming.stream('metered'),
        subjects: [naming.subject('metered.>')],
      });
      const publisher = new TenantBus(bus.nc, naming, context);
      for (let i = 0; i < PER_TENANT; i += 1) {
        for (const [index, tenantId] of tenants.entries()) {
          await context.runWithTenant(tenantId, () =>
            publisher.publishDurable(Metered, { name: `w-${i}`, failOnce: index === 0 && i === 7 }),
          );
        }
      }
      const poison = natsHeaders();
      poison.set('x-tenant-id', 'not-a-uuid');
      await bus.nc
        .jetstream()
        .publish(naming.subject(Metered.name), codec.encode({ name: 'poison-header' }), {
          headers: poison,
        });
      const valid = natsHeaders();
      valid.set('x-tenant-id', tenants[1]);
      await bus.nc
        .jetstream()
        .publish(naming.subject(Metered.name), codec.encode({ name: '' }), { headers: valid });

      consumer = new JetStreamBatchConsumer(
        bus.nc,
        context,
        new DeadLetterPublisher(bus.nc, naming),
        {
          stream: naming.stream('metered'),
          durable: 'metered-writer',
          filterSubject: naming.subject(Metered.name),
          schema: Metered.schema,
          batchSize: 100,
          ack,
          handleBatch: async (items) => {
            const em = orm.em as EntityManager;
            const [{ txid }] = await em.execute<{ txid: string }[]>(
              'select txid_current() as txid',
            );
            calls.push({ contextTenant: context.tenantId, size: items.length, txid });
            for (const { payload } of items) em.create(Widget, { name: payload.name });
            await em.flush();
            const trigger = items.find(
              (item) => item.payload.failOnce && !failedOnce.has(item.payload.name),
            );
            if (trigger) {
              failedOnce.add(trigger.payload.name);
              throw new Error('planned failure after writing: the whole group must roll back');
            }
          },
        },
      );
      await consumer.start();
      await waitFor(
        async () =>
          (await Promise.all(tenants.map(rowsOf))).every((n) => n === PER_TENANT)
            ? true
            : undefined,
        {
          timeoutMs: 30_000,
          what: 'every tenant fully written',
        },
      );
    });

    afterAll(async () => {
      await consumer?.stop();
      await bus?.close();
      await orm?.close(true);
      await db?.drop();
    });

    it('writes every message exactly once, even after a failed group was retried', async () => {
      expect(failedOnce.size).toBe(1);
      for (const tenantId of tenants) expect(await rowsOf(tenantId)).toBe(PER_TENANT);
    });

    it('batches: groups hold many messages, and each runs in the context of its tenant only', () => {
      expect(Math.max(...calls.map((call) => call.size))).toBeGreaterThan(1);
      expect(new Set(calls.map((call) => call.contextTenant))).toEqual(new Set(tenants));
    });

    it("shares a transaction between a round's tenant groups", () => {
      const tenantsPerTransaction = new Map<string, Set<string>>();
      for (const { txid, contextTenant } of calls)
        tenantsPerTransaction.set(
          txid,
          (tenantsPerTransaction.get(txid) ?? new Set()).add(contextTenant),
        );
      expect(
        Math.max(...[...tenantsPerTransaction.values()].map((set) => set.size)),
      ).toBeGreaterThan(1);
    });

    it('dead-letters bad headers and bad payloads without holding up the rest', async () => {
      const letters = await readStream(bus.nc, naming.stream(DEAD_LETTER_TOKEN), 2);
      expect(letters.map((letter) => letter.headers['x-dead-letter-reason']).sort()).toEqual([
        'PAYLOAD_INVALID',
        'TENANT_HEADER_MALFORMED',
      ]);
    });

    it('stops cleanly between rounds, everything delivered acknowledged', async () => {
      await consumer.stop();
      const info = await (
        await bus.nc.jetstreamManager()
      ).consumers.info(naming.stream('metered'), 'metered-writer');
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
      expect(info.config.ack_policy).toBe(ack === 'batch' ? AckPolicy.All : AckPolicy.Explicit);
    });
  },
);

/**
 * The ack-all hazard: an ack-all settles every earlier delivery, so nothing delivered may be left
 * behind unwritten — neither what a reader that died was holding (had the server handed the next
 * reader newer messages first, their ack-all would have settled the dead one's unseen), nor a
 * round that failed unexpectedly. Both are read again from the ack floor.
 */
describe('JetStream batch consumer, acks batch: nothing delivered is settled unwritten', () => {
  const TOTAL = 300;
  let db: TestDatabase;
  let orm: MikroORM<PostgreSqlDriver>;
  let context: TenantContext;

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_batchfloor');
    db = fixture.db;
    ({ orm, context } = await initFixtureOrm(fixture));
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  /** Publishes TOTAL messages of a fresh tenant, drains them, and counts what was written. */
  async function drain(
    prepare: (durable: DurableConsumerOptions, bus: TestBus) => Promise<void>,
    verifyTenant?: () => Promise<boolean>,
  ): Promise<{ n: number; names: number }> {
    const bus = await createTestBus('tb_batchfloor');
    const tenantId = randomUUID();
    let consumer: JetStreamBatchConsumer<typeof Metered.schema> | undefined;
    try {
      const naming = new BusNaming(bus.prefix);
      const stream = naming.stream('metered');
      const jsm = await bus.nc.jetstreamManager();
      await jsm.streams.add({ name: stream, subjects: [naming.subject('metered.>')] });
      const publisher = new TenantBus(bus.nc, naming, context);
      for (let i = 0; i < TOTAL; i += 1)
        await context.runWithTenant(tenantId, () =>
          publisher.publishDurable(Metered, { name: `w-${i}` }),
        );
      const durable = {
        stream,
        durable: 'metered-writer',
        filterSubject: naming.subject('metered.>'),
      };
      await prepare(durable, bus);
      consumer = new JetStreamBatchConsumer(
        bus.nc,
        context,
        new DeadLetterPublisher(bus.nc, naming),
        {
          ...durable,
          schema: Metered.schema,
          batchSize: 40,
          ack: 'batch',
          verifyTenant,
          handleBatch: async (items) => {
            const em = orm.em as EntityManager;
            for (const { payload } of items) em.create(Widget, { name: payload.name });
            await em.flush();
          },
        },
      );
      await consumer.start();
      await waitFor(
        async () => {
          // A rewind deletes and recreates the durable: absent for a moment.
          const info = await jsm.consumers.info(stream, durable.durable).catch(() => undefined);
          return info && info.num_pending + info.num_ack_pending === 0 ? true : undefined;
        },
        { timeoutMs: 20_000, what: 'the stream settled' },
      );
    } finally {
      await consumer?.stop();
      await bus.close();
    }
    const [counts] = await db.query<{ n: number; names: number }>(
      'select count(*)::int as n, count(distinct name)::int as names from widget where tenant_id = $1',
      [tenantId],
    );
    return counts;
  }

  it('a reader died holding deliveries: the next one writes every message once', async () => {
    const counts = await drain(async (durable, bus) => {
      await ensureDurableConsumer(bus.nc, { ...durable, ackPolicy: AckPolicy.All });
      // The dead reader: the first 50 messages delivered, never acked (nor redelivered for 30 s).
      const fetched = await (
        await bus.nc.jetstream().consumers.get(durable.stream, durable.durable)
      ).fetch({ max_messages: 50, expires: 2_000 });
      let held = 0;
      for await (const msg of fetched) if (msg.info.streamSequence > 0) held += 1;
      expect(held).toBe(50);
    });
    expect(counts).toEqual({ n: TOTAL, names: TOTAL });
  });

  it('a round fails unexpectedly: it is read again, every message written once', async () => {
    let failures = 0;
    const counts = await drain(
      async () => undefined,
      async () => {
        if (failures > 0) return true;
        failures += 1;
        throw new Error('planned: tenant directory unreachable');
      },
    );
    expect(failures).toBe(1);
    expect(counts).toEqual({ n: TOTAL, names: TOTAL });
  });
});
