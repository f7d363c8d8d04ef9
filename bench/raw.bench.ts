import { BusNaming } from '@tenantbus/contracts';
import { createTestBus, createTestDatabase } from '@tenantbus/testing';
import { JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { measure, type Sample } from './measure';
import { drainRaw, PAD, publishBacklog, rateOf, REPS } from './support';

const MESSAGES = Number(process.env.BENCH_RAW_MESSAGES ?? 100_000);
const ROWS = Number(process.env.BENCH_RAW_ROWS ?? 100_000);
const SINGLE_ROWS = 5_000;
const TENANTS = 100;
const PG_BATCH = 1_000;

/** The usage_event table's shape (usage-service migration), without row-level security. */
const TABLE = `create table raw_usage_event (
  tenant_id uuid not null, event_id text not null, type text not null, time timestamptz not null,
  subject text, data jsonb not null, flag text, received_at timestamptz not null default now(),
  primary key (tenant_id, event_id))`;

const UNNEST_INSERT = `insert into raw_usage_event (tenant_id, event_id, type, time, subject, data)
  select * from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::jsonb[])
  on conflict do nothing`;

/** The machine's ceilings with the same clients the services use: nats.js and pg. */
export async function rawBenchmarks(): Promise<Sample[]> {
  const samples: Sample[] = [];
  const bus = await createTestBus('tb_braw');
  const db = await createTestDatabase('tb_braw');
  const pool = new Pool({ connectionString: db.ownerUrl, max: 4 });
  try {
    const naming = new BusNaming(bus.prefix);
    const jsm = await bus.nc.jetstreamManager();
    const stream = naming.stream('rawbench');
    await jsm.streams.add({ name: stream, subjects: [naming.subject('raw.>')] });
    const subject = naming.subject('raw.usage.events.api.requests');
    const tenants = Array.from({ length: TENANTS }, () => randomUUID());
    const codec = JSONCodec<unknown>();
    const event = (i: number) => ({
      id: randomUUID(),
      type: 'api.requests',
      source: 'bench',
      time: new Date().toISOString(),
      data: { value: 1, route: `/r${i % 7}`, pad: PAD },
    });
    console.log(`raw: message size ${codec.encode(event(0)).length} bytes`);

    samples.push(
      await measure('jetstream: async publish, acked, 2,000 in flight', REPS, async () => {
        await jsm.streams.purge(stream);
        await publishBacklog(bus.nc, MESSAGES, (i) => ({
          subject,
          data: codec.encode(event(i)),
          tenantId: tenants[i % TENANTS],
        }));
        return MESSAGES;
      }),
    );
    // The last publish round left a backlog of MESSAGES: every drain reads it with a fresh durable.
    const drain = (ack: 'each' | 'batch') => async () => {
      const took = await drainRaw(bus.nc, jsm, {
        stream,
        durable: `raw_${randomUUID().slice(0, 8)}`,
        count: MESSAGES,
        ack,
      });
      return MESSAGES / took;
    };
    const EACH = 'jetstream: durable pull consume (batch 1000) + ack each message';
    samples.push(await rateOf(EACH, drain('each')));
    samples.push(
      await rateOf(
        'jetstream: durable pull consume (batch 1000) + one ack-all per batch',
        drain('batch'),
        EACH,
      ),
    );

    await pool.query(TABLE);
    const columns = (from: number, count: number) => {
      const cols: unknown[][] = [[], [], [], [], [], []];
      for (let i = from; i < from + count; i += 1) {
        const e = event(i);
        cols[0].push(tenants[i % TENANTS]);
        cols[1].push(e.id);
        cols[2].push(e.type);
        cols[3].push(e.time);
        cols[4].push(null);
        cols[5].push(JSON.stringify(e.data));
      }
      return cols;
    };
    const SINGLE = 'postgres: one INSERT per row, 4 connections';
    samples.push(
      await measure(SINGLE, REPS, async () => {
        await pool.query('truncate raw_usage_event');
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < SINGLE_ROWS) {
              const [tenant, id, type, time, subj, data] = columns(next++, 1).map((c) => c[0]);
              await pool.query(
                'insert into raw_usage_event (tenant_id, event_id, type, time, subject, data) values ($1, $2, $3, $4, $5, $6) on conflict do nothing',
                [tenant, id, type, time, subj, data],
              );
            }
          }),
        );
        return SINGLE_ROWS;
      }),
    );
    const batches = Array.from({ length: Math.ceil(ROWS / PG_BATCH) }, (_, b) =>
      columns(b * PG_BATCH, Math.min(PG_BATCH, ROWS - b * PG_BATCH)),
    );
    samples.push(
      await measure(
        `postgres: unnest INSERT … ON CONFLICT DO NOTHING, ${PG_BATCH}/statement, 4 connections`,
        REPS,
        async () => {
          await pool.query('truncate raw_usage_event');
          let next = 0;
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              for (let b = next++; b < batches.length; b = next++)
                await pool.query(UNNEST_INSERT, batches[b]);
            }),
          );
          return ROWS;
        },
        SINGLE,
      ),
    );
  } finally {
    await pool.end();
    await bus.close();
    await db.drop();
  }
  return samples;
}
