import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import { BusNaming, defineSubject } from '@tenantbus/contracts';
import {
  DeadLetterPublisher,
  JetStreamBatchConsumer,
  JetStreamTenantConsumer,
  TenantBus,
  TenantContext,
  tenantTableSql,
  UnitOfWorkScopeHook,
  withTenancy,
} from '@tenantbus/tenant-context';
import { createTestBus, createTestDatabase, waitFor } from '@tenantbus/testing';
import { ClsServiceManager } from 'nestjs-cls';
import { AckPolicy, headers as natsHeaders, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { z } from 'zod';
import { BenchItem } from './bench.entity';
import { measure, type Sample } from './measure';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const READS = 2_000;
const MESSAGES = 20_000;
const TENANTS = 50;

const Event = defineSubject({
  name: 'bench.event',
  scope: 'tenant',
  schema: z.object({ n: z.number(), pad: z.string() }),
});
const PAD = 'x'.repeat(160); // ~200-byte messages, as in STACK.md's raw limits

/** What the tenancy layer costs on each hop, next to the bare client doing the same work. */
export async function foundationBenchmarks(): Promise<Sample[]> {
  const samples: Sample[] = [];
  const db = await createTestDatabase('tb_bench');
  const bus = await createTestBus('tb_bench');
  const roles = { appRole: db.appRole, systemRole: db.systemRole };
  const tenants = Array.from({ length: TENANTS }, () => randomUUID());
  await db.query(
    'create table bench_item (tenant_id uuid not null, id int not null, label text not null, primary key (tenant_id, id))',
  );
  for (const sql of tenantTableSql('bench_item', { roles, indexTenantId: false }))
    await db.query(sql);
  await db.query(
    `insert into bench_item select t, g, 'item ' || g from unnest($1::uuid[]) t, generate_series(1, 100) g`,
    [tenants],
  );
  const orm = await MikroORM.init(
    withTenancy({ driver: PostgreSqlDriver, clientUrl: db.appUrl, entities: [BenchItem] }, roles),
  );
  const context = new TenantContext(ClsServiceManager.getClsService());
  context.addScopeHook(new UnitOfWorkScopeHook(orm));
  const plain = new Pool({ connectionString: db.ownerUrl, max: 10 });
  // MikroORM alone (no tenancy, owner connection): what the ORM costs before tenancy adds to it.
  const plainOrm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: db.ownerUrl,
    entities: [BenchItem],
  });
  const pick = (i: number) => ({ tenantId: tenants[i % TENANTS], id: (i % 100) + 1 });
  const concurrently = async (count: number, fn: (i: number) => Promise<unknown>, width = 8) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < count) await fn(next++);
      }),
    );
    return count;
  };

  try {
    samples.push(
      await measure('pg: read one row by key, plain pool, no RLS (baseline)', REPS, () =>
        concurrently(READS, (i) =>
          plain.query('select * from bench_item where tenant_id = $1 and id = $2', [
            pick(i).tenantId,
            pick(i).id,
          ]),
        ),
      ),
    );
    samples.push(
      await measure(
        'pg: read one row by key, MikroORM fork + findOne with where tenant_id, no tenancy',
        REPS,
        () =>
          concurrently(READS, (i) =>
            plainOrm.em.fork().findOneOrFail(BenchItem, pick(i), { filters: false }),
          ),
        'pg: read one row by key, plain pool, no RLS (baseline)',
      ),
    );
    samples.push(
      await measure(
        'pg: read one row in a tenant scope (fork + tx + set_config + RLS + filter)',
        REPS,
        () =>
          concurrently(READS, (i) =>
            context.runWithTenant(pick(i).tenantId, () =>
              (orm.em as EntityManager).findOneOrFail(BenchItem, { id: pick(i).id }),
            ),
          ),
        'pg: read one row by key, plain pool, no RLS (baseline)',
      ),
    );

    const naming = new BusNaming(bus.prefix);
    const tenantBus = new TenantBus(bus.nc, naming, context);
    const codec = JSONCodec<unknown>();
    const subject = naming.subject(Event.name);
    samples.push(
      await measure('nats: core publish, raw client, static headers (baseline)', REPS, async () => {
        const headers = natsHeaders();
        headers.set('x-tenant-id', tenants[0]);
        for (let i = 0; i < MESSAGES; i += 1)
          bus.nc.publish(subject, codec.encode({ n: i, pad: PAD }), { headers });
        await bus.nc.flush();
        return MESSAGES;
      }),
    );
    samples.push(
      await measure(
        'nats: TenantBus.publish in a tenant scope (contract check + fresh headers + span)',
        REPS,
        () =>
          context.runWithTenant(tenants[0], async () => {
            for (let i = 0; i < MESSAGES; i += 1) tenantBus.publish(Event, { n: i, pad: PAD });
            await bus.nc.flush();
            return MESSAGES;
          }),
        'nats: core publish, raw client, static headers (baseline)',
      ),
    );

    // JetStream: one backlog per repetition, drained by a fresh durable.
    const jsm = await bus.nc.jetstreamManager();
    const stream = naming.stream('bench');
    await jsm.streams.add({ name: stream, subjects: [naming.subject('jsbench.>')] });
    const jsSubject = naming.subject('jsbench.event');
    const fill = async () => {
      await jsm.streams.purge(stream);
      const js = bus.nc.jetstream();
      const acks = [];
      for (let i = 0; i < MESSAGES; i += 1) {
        const tenantId = tenants[i % TENANTS];
        acks.push(
          context.runWithTenant(tenantId, async () =>
            js.publish(jsSubject, codec.encode({ n: i, pad: PAD }), {
              headers: tenantHeaders(tenantId),
            }),
          ),
        );
      }
      await Promise.all(acks);
    };
    const tenantHeaders = (tenantId: string) => {
      const headers = natsHeaders();
      headers.set('x-tenant-id', tenantId);
      return headers;
    };
    const deadLetters = new DeadLetterPublisher(bus.nc, naming);
    const noHooks = new TenantContext(ClsServiceManager.getClsService());
    const RAW_DRAIN = 'jetstream: raw consume + ack (baseline)';
    /** Drains the backlog with one of our consumers, `handled` counting what reached its handler. */
    const drainWith = async (
      consumer: { start(): Promise<void>; stop(): Promise<void> },
      handled: () => number,
    ) => {
      await consumer.start();
      await waitFor(() => (handled() >= MESSAGES ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 5,
      });
      await consumer.stop();
    };
    const source = (durable: string) => ({
      stream,
      durable,
      filterSubject: jsSubject,
      schema: Event.schema,
    });

    samples.push(
      await measureDrain(RAW_DRAIN, async (durable) => {
        await jsm.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          filter_subject: jsSubject,
        });
        const consumer = await bus.nc.jetstream().consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: 1_000 });
        let seen = 0;
        for await (const msg of messages) {
          msg.ack();
          if (++seen === MESSAGES) messages.stop();
        }
      }),
    );
    samples.push(
      await measureDrain(
        'jetstream: JetStreamTenantConsumer, no-op handler (admission + scope + span per message)',
        async (durable) => {
          let seen = 0;
          const consumer = new JetStreamTenantConsumer(bus.nc, noHooks, deadLetters, {
            ...source(durable),
            scope: { kind: 'tenant' },
            concurrency: 64,
            handle: async () => {
              seen += 1;
            },
          });
          await drainWith(consumer, () => seen);
        },
        RAW_DRAIN,
      ),
    );
    samples.push(
      await measureDrain(
        'jetstream: JetStreamBatchConsumer, no-op handler (batches of 1000, grouped by tenant)',
        async (durable) => {
          let seen = 0;
          const consumer = new JetStreamBatchConsumer(bus.nc, noHooks, deadLetters, {
            ...source(durable),
            batchSize: 1_000,
            handleBatch: async (items) => {
              seen += items.length;
            },
          });
          await drainWith(consumer, () => seen);
        },
        RAW_DRAIN,
      ),
    );

    async function measureDrain(
      name: string,
      drain: (durable: string) => Promise<void>,
      baseline?: string,
    ): Promise<Sample> {
      const rates: number[] = [];
      for (let rep = 0; rep < REPS; rep += 1) {
        await fill();
        const durable = `d${rep}_${randomUUID().slice(0, 8)}`;
        const started = process.hrtime.bigint();
        await drain(durable);
        rates.push(MESSAGES / (Number(process.hrtime.bigint() - started) / 1e9));
        await jsm.consumers.delete(stream, durable);
      }
      return { name, baseline, rates };
    }
  } finally {
    await plain.end();
    await plainOrm.close(true);
    await orm.close(true);
    await bus.close();
    await db.drop();
  }
  return samples;
}
