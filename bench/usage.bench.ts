import { ensureUsageStream } from '@tenantbus/tenant-context';
import { startServiceProcess, type ServiceProcess } from '@tenantbus/testing';
import { TENANT_ID_HEADER } from '@tenantbus/contracts';
import { AckPolicy, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  createUsageInfra,
  usageServiceEnv,
  type TestTenant,
  type UsageInfra,
} from '../apps/usage-service/test/usage-service.harness';
import { INGEST_DURABLE } from '../apps/usage-service/src/ingest/usage-ingest.consumer';
import { measure, type Sample } from './measure';
import { cpuMs, drainRaw, PAD, publishBacklog, rateOf, sampleRss, seconds, sleep } from './support';

const EVENTS = Number(process.env.BENCH_USAGE_EVENTS ?? 200_000);
const TENANTS = 100;
const DUPLICATES = Math.round(EVENTS / 10);
const NAIVE_EVENTS = Math.min(EVENTS, Number(process.env.BENCH_USAGE_NAIVE_EVENTS ?? 20_000));
const HTTP_EVENTS = Number(process.env.BENCH_USAGE_HTTP_EVENTS ?? 20_000);
const HTTP_BATCH = 500;
/** Draining 200k events takes a while: fewer repetitions than the other suites. */
const DRAIN_REPS = Number(process.env.BENCH_USAGE_REPS ?? 2);

/**
 * The draining service runs with its defaults, acking each round with one ack-all (the
 * single-ingester deployment); `USAGE_*` settings in the bench's environment override them.
 */
const SERVICE_SETTINGS = {
  USAGE_INGEST_ACK: 'batch',
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('USAGE_') && entry[1] !== undefined,
    ),
  ),
};

export const USAGE_ROWS = {
  raw: 'jetstream: raw durable consume + ack each',
  rawAll: 'jetstream: raw durable consume + one ack-all per 1,000 (baseline)',
  naive: 'naive consumer: one INSERT (event + rollup upsert) and one ack per message',
  service: `usage-service drain (USAGE_INGEST_ACK=${SERVICE_SETTINGS.USAGE_INGEST_ACK}): ${EVENTS.toLocaleString('en-US')} events, ${TENANTS} tenants`,
  duplicates: `usage-service drain with 10% duplicate redeliveries (+${DUPLICATES.toLocaleString('en-US')} messages)`,
  http: `HTTP POST /api/v1/events, ${HTTP_BATCH} per request, 4 in flight`,
  publish: 'jetstream: publish the backlog, one Node client (measured apart)',
  rss: 'usage-service peak RSS while draining',
  cpu: 'usage-service process CPU per event drained (no duplicates)',
  pgCpu: "Postgres CPU per event drained (the service's connections, no duplicates)",
} as const;

/** `BENCH_USAGE_PROFILE=<dir>`: each draining service writes a V8 CPU profile there on exit. */
const PROFILE = process.env.BENCH_USAGE_PROFILE
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_USAGE_PROFILE}`]
  : [];

const codec = JSONCodec<unknown>();
const USAGE_TABLES =
  'usage_event, usage_rollup, usage_unique, usage_period, usage_period_unique, usage_threshold';

interface Totals {
  events: number;
  tenants: number;
  rollup_count: number;
  rollup_sum: number;
  period_count: number;
  period_sum: number;
  uneven: number;
}

/**
 * The real usage-service (built, as its own process) drains a pre-filled backlog into
 * deduplicated events, minute rollups and period totals; every drain's totals are checked in SQL.
 */
export async function usageBenchmarks(): Promise<Sample[]> {
  if (EVENTS % TENANTS !== 0)
    throw new Error(
      `BENCH_USAGE_EVENTS must be a multiple of ${TENANTS} (the same count per tenant)`,
    );
  const samples: Sample[] = [];
  const infra = await createUsageInfra();
  const pool = new Pool({ connectionString: infra.db.ownerUrl, max: 2 });
  let service: ServiceProcess | undefined;
  try {
    const stream = await ensureUsageStream(infra.bus.nc, infra.naming);
    const jsm = await infra.bus.nc.jetstreamManager();
    const subject = infra.naming.subject('usage.events.api.requests');
    const tenants = await provisionTenants(infra);

    const events = Array.from({ length: EVENTS }, (_, i) => ({
      tenantId: tenants[i % TENANTS].id,
      body: {
        id: randomUUID(),
        type: 'api.requests',
        source: 'bench',
        time: new Date().toISOString(),
        data: { value: 1 + (i % 3), route: `/r${i % 7}`, pad: PAD },
      },
    }));
    const expected: Totals = {
      events: EVENTS,
      tenants: TENANTS,
      rollup_count: EVENTS,
      rollup_sum: events.reduce((sum, e) => sum + e.body.data.value, 0),
      period_count: EVENTS,
      period_sum: events.reduce((sum, e) => sum + e.body.data.value, 0),
      uneven: 0,
    };
    const message = (i: number) => ({
      subject,
      data: codec.encode(events[i].body),
      tenantId: events[i].tenantId,
    });
    const published = process.hrtime.bigint();
    await publishBacklog(infra.bus.nc, EVENTS, message);
    samples.push({ name: USAGE_ROWS.publish, rates: [EVENTS / seconds(published)] });

    // The ceilings: a raw reader of the same backlog, acking each message or once per 1,000.
    for (const [name, ack] of [
      [USAGE_ROWS.raw, 'each'],
      [USAGE_ROWS.rawAll, 'batch'],
    ] as const) {
      const drain = async () =>
        EVENTS /
        (await drainRaw(infra.bus.nc, jsm, {
          stream,
          durable: `raw_${randomUUID().slice(0, 8)}`,
          count: EVENTS,
          ack,
        }));
      samples.push(await rateOf(name, drain, undefined, DRAIN_REPS));
    }

    samples.push(
      await rateOf(
        USAGE_ROWS.naive,
        async () => {
          await pool.query(`truncate ${USAGE_TABLES}`);
          return naiveDrain(infra, pool, stream);
        },
        USAGE_ROWS.raw,
        DRAIN_REPS,
      ),
    );

    const drains: number[] = [];
    const peaks: number[] = [];
    const cpu: number[] = [];
    const pgCpu: number[] = [];
    for (let rep = 0; rep < DRAIN_REPS; rep += 1) {
      const drained = await serviceDrain(infra, pool, stream, EVENTS, expected);
      drains.push(drained.rate);
      peaks.push(drained.peakRssMb);
      cpu.push(drained.cpuUsPerEvent);
      pgCpu.push(drained.pgCpuUsPerEvent);
      await drained.service.stop();
    }
    samples.push({ name: USAGE_ROWS.service, baseline: USAGE_ROWS.rawAll, rates: drains });

    // Redeliveries of events already counted: new message ids, so JetStream keeps them.
    await publishBacklog(infra.bus.nc, DUPLICATES, (j) => ({
      ...message((j * 7_919) % EVENTS),
      msgId: randomUUID(),
    }));
    const withDuplicates: number[] = [];
    for (let rep = 0; rep < DRAIN_REPS; rep += 1) {
      const drained = await serviceDrain(infra, pool, stream, EVENTS + DUPLICATES, expected);
      withDuplicates.push(drained.rate);
      peaks.push(drained.peakRssMb);
      if (rep < DRAIN_REPS - 1) await drained.service.stop();
      else service = drained.service;
    }
    samples.push({
      name: USAGE_ROWS.duplicates,
      baseline: USAGE_ROWS.rawAll,
      rates: withDuplicates,
    });
    samples.push({ name: USAGE_ROWS.rss, rates: peaks, unit: 'MB' });
    samples.push({ name: USAGE_ROWS.cpu, rates: cpu, unit: 'µs CPU/event' });
    samples.push({ name: USAGE_ROWS.pgCpu, rates: pgCpu, unit: 'µs CPU/event' });

    const running = service!;
    let sent = 0;
    samples.push(
      await measure(USAGE_ROWS.http, DRAIN_REPS, async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < HTTP_EVENTS / HTTP_BATCH) {
              const tenant = tenants[next++ % TENANTS];
              const batch = Array.from({ length: HTTP_BATCH }, (_, i) => ({
                id: randomUUID(),
                type: 'api.requests',
                source: 'bench',
                time: new Date().toISOString(),
                data: { value: 1, route: `/r${i % 7}` },
              }));
              const res = await fetch(`${running.url}/api/v1/events`, {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${tenant.apiKey}`,
                  'content-type': 'application/json',
                },
                body: JSON.stringify(batch),
              });
              if (res.status !== 202)
                throw new Error(`POST /events: ${res.status} ${await res.text()}`);
              sent += HTTP_BATCH;
            }
          }),
        );
        return HTTP_EVENTS;
      }),
    );
    // Everything the HTTP intake accepted is counted once, too.
    await waitForDrained(jsm, stream);
    const [{ n }] = (await pool.query<{ n: number }>('select count(*)::int as n from usage_event'))
      .rows;
    if (n !== EVENTS + sent)
      throw new Error(`HTTP intake: ${n} events stored, expected ${EVENTS + sent}`);
  } finally {
    await service?.stop();
    await pool.end();
    await infra.close();
  }
  return samples;
}

/** Tenants known to the directory stub and applied by a usage-service (ingest off meanwhile). */
async function provisionTenants(infra: UsageInfra): Promise<TestTenant[]> {
  const setup = await startServiceProcess(
    'usage-service',
    usageServiceEnv(infra, { USAGE_INGEST_ENABLED: 'false' }),
  );
  try {
    const tenants: TestTenant[] = [];
    for (let i = 0; i < TENANTS; i += 10)
      tenants.push(...(await Promise.all(Array.from({ length: 10 }, () => infra.tenant()))));
    return tenants;
  } finally {
    await setup.stop();
  }
}

/**
 * A fresh start: empty usage tables, no ingest durable (so it re-reads the whole stream). The
 * clock runs from the first acknowledged message the consumer reports to the last, so the
 * service's boot is not counted; the totals are checked after.
 */
async function serviceDrain(
  infra: UsageInfra,
  pool: Pool,
  stream: string,
  messages: number,
  expected: Totals,
) {
  const jsm = await infra.bus.nc.jetstreamManager();
  await pool.query(`truncate ${USAGE_TABLES}`);
  await jsm.consumers.delete(stream, INGEST_DURABLE).catch(() => undefined);
  const starting = startServiceProcess(
    'usage-service',
    usageServiceEnv(infra, SERVICE_SETTINGS),
    PROFILE,
  );
  let failure: Error | undefined;
  let rss: { stop(): number } | undefined;
  // Sampled from readiness (boot overlaps the drain's start; RSS does not shrink meanwhile).
  let latest = 0;
  let atReady: { cpuMs: number; done: number; backends: Map<number, number> } | undefined;
  void starting.then(
    async (started) => {
      rss = sampleRss(started.child.pid!);
      atReady = { cpuMs: cpuMs(started.child.pid!), done: latest, backends: new Map() };
      atReady.backends = await backendCpu(pool, infra.db.appRole);
    },
    (error: unknown) => (failure = error instanceof Error ? error : new Error(String(error))),
  );
  let first: { at: bigint; done: number } | undefined;
  const deadline = Date.now() + 600_000;
  try {
    for (;;) {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error('usage-service did not drain within 10 minutes');
      const info = await jsm.consumers.info(stream, INGEST_DURABLE).catch(() => undefined);
      const done = info ? messages - info.num_pending - info.num_ack_pending : 0;
      latest = done;
      if (info && !first && done > 0) first = { at: process.hrtime.bigint(), done };
      if (done >= messages) break;
      await sleep(20);
    }
  } catch (error) {
    await starting.then((started) => started.stop()).catch(() => undefined);
    throw error;
  }
  const rate = (messages - first!.done) / seconds(first!.at);
  const service = await starting;
  // CPU of the service process per event, from readiness on: steadier than rates on a busy machine.
  const cpuUsPerEvent =
    ((cpuMs(service.child.pid!) - atReady!.cpuMs) * 1_000) / (messages - atReady!.done);
  // The database does most of the work on the same cores: its share, from the same moment on.
  const backends = await backendCpu(pool, infra.db.appRole);
  const pgCpuMs = [...backends].reduce(
    (sum, [pid, used]) => sum + used - (atReady!.backends.get(pid) ?? 0),
    0,
  );
  const pgCpuUsPerEvent = (pgCpuMs * 1_000) / (messages - atReady!.done);
  const peakRssMb = rss!.stop();
  await checkTotals(pool, expected).catch(async (error: unknown) => {
    await service.stop();
    throw error;
  });
  return { rate, service, peakRssMb, cpuUsPerEvent, pgCpuUsPerEvent };
}

/** CPU used so far by each Postgres backend serving `role` (the service's pool), by pid. */
async function backendCpu(pool: Pool, role: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and usename = $1',
    [role],
  );
  const used = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      used.set(pid, cpuMs(pid));
    } catch {
      // the backend ended meanwhile
    }
  }
  return used;
}

async function waitForDrained(
  jsm: Awaited<ReturnType<UsageInfra['bus']['nc']['jetstreamManager']>>,
  stream: string,
) {
  for (;;) {
    const info = await jsm.consumers.info(stream, INGEST_DURABLE);
    if (info.num_pending + info.num_ack_pending === 0) return;
    await sleep(50);
  }
}

/** Exact totals, or the run fails: nothing lost, nothing counted twice. */
async function checkTotals(pool: Pool, expected: Totals): Promise<void> {
  const {
    rows: [actual],
  } = await pool.query<Totals>(
    `select (select count(*) from usage_event)::int as events,
      (select count(distinct tenant_id) from usage_event)::int as tenants,
      (select coalesce(sum(event_count), 0) from usage_rollup)::float8 as rollup_count,
      (select coalesce(sum(value_sum), 0) from usage_rollup)::float8 as rollup_sum,
      (select coalesce(sum(event_count), 0) from usage_period)::float8 as period_count,
      (select coalesce(sum(value_sum), 0) from usage_period)::float8 as period_sum,
      (select count(*) from (select 1 from usage_event group by tenant_id
        having count(*) <> $1) uneven)::int as uneven`,
    [expected.events / expected.tenants],
  );
  const wrong = (Object.keys(expected) as (keyof Totals)[]).filter(
    (key) => Number(actual[key]) !== expected[key],
  );
  if (wrong.length)
    throw new Error(
      `usage totals are not exact: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    );
}

/** The obvious consumer: per message one statement (event + its minute rollup), then its ack. */
async function naiveDrain(infra: UsageInfra, pool: Pool, stream: string): Promise<number> {
  const jsm = await infra.bus.nc.jetstreamManager();
  const durable = `naive_${randomUUID().slice(0, 8)}`;
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit });
  const started = process.hrtime.bigint();
  try {
    const consumer = await infra.bus.nc.jetstream().consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: 1_000 });
    let seen = 0;
    for await (const msg of messages) {
      const event = codec.decode(msg.data) as {
        id: string;
        type: string;
        time: string;
        data: { value: number; route: string };
      };
      await pool.query(
        `with inserted as (
          insert into usage_event (tenant_id, event_id, type, time, data)
          values ($1, $2, $3, $4, $5) on conflict do nothing returning 1)
        insert into usage_rollup as r (tenant_id, meter, window_start, group_key, event_count,
          value_sum, value_max, latest_value, latest_time)
        select $1, 'api.requests', date_trunc('minute', $4::timestamptz), $6, 1, $7, $7, $7, $4
        from inserted
        on conflict (tenant_id, meter, window_start, group_key) do update set
          event_count = r.event_count + 1, value_sum = r.value_sum + excluded.value_sum`,
        [
          msg.headers?.get(TENANT_ID_HEADER),
          event.id,
          event.type,
          event.time,
          JSON.stringify(event.data),
          JSON.stringify({ route: event.data.route }),
          event.data.value,
        ],
      );
      msg.ack();
      if (++seen === NAIVE_EVENTS) messages.stop();
    }
    return NAIVE_EVENTS / seconds(started);
  } finally {
    await jsm.consumers.delete(stream, durable);
  }
}
