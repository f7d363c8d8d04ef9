import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { CONTEXT_ROWS, contextBenchmarks } from './context.bench';
import { foundationBenchmarks } from './foundation.bench';
import { row, summarize, type Sample, type Summary, type Target } from './measure';
import { LIFECYCLE_ROWS, lifecycleBenchmarks } from './lifecycle.bench';
import { MEMORY_ROWS, memoryBenchmarks } from './memory.bench';
import { rawBenchmarks } from './raw.bench';
import { controlledRow, TENANT_COUNTS, TENANT_ROWS, tenantCountBenchmarks } from './tenants.bench';
import { USAGE_ROWS, usageBenchmarks } from './usage.bench';

interface Suite {
  readonly title: string;
  readonly notes: string;
  run(): Promise<Sample[]>;
  /** The goals for this suite, read from its rows. */
  targets?(rows: Summary[]): Target[];
}

const rate = (value: number) => `${format(value)}/s`;
const times = (value: number) => `${value.toFixed(2)}×`;

/** Every suite runs alone with `npm run bench -- <name>`; no name runs them all. */
const SUITES: Record<string, Suite> = {
  foundation: {
    title: 'Foundation: what tenancy costs per hop',
    notes: `- Postgres reads: 2,000 single-row reads by key over 50 tenants, 8 in flight. The tenant path is a
  full unit of work per read (EntityManager fork, the scope's leased connection, the ORM filter, and
  \`select set_config(…); <select>\` under RLS in one round trip: a read-only scope sends no BEGIN or
  COMMIT) — the price of a read that cannot cross tenants even by mistake. Between the two, MikroORM
  alone (a fork and \`findOneOrFail\` with the tenant in the where, owner connection): what the
  ORM costs before tenancy adds to it.
- NATS: 20,000 core publishes of ~200-byte messages, flushed.
- JetStream: a 20,000-message backlog over 50 tenants drained by a fresh durable, acked.`,
    run: foundationBenchmarks,
  },
  context: {
    title: 'Context overhead: NATS request → handler → tenant-scoped read → reply',
    notes: `- 50 tenants × 100 rows; each request reads one row by key and replies with it. Baseline: plain Nest
  NATS transport, the tenant id in the payload, \`where tenant_id\` by hand on a superuser connection.
  Ours: the tenant in headers, admitted against the directory, restored into CLS, a fresh
  EntityManager and transaction bound with \`set_config\`, the ORM filter, and RLS (or not).
- Latency is per request as the client sees it: p50/p99 are medians over the repetitions.
- Fair by construction: both sides in one process, MikroORM's default pool (10), the same
  \`findOneOrFail\` by key, JSON on the wire; the three rows' repetitions take turns, in
  alternating order (A B C, C B A, …), so load on the machine weighs on each alike. The CPU rows are this process's CPU time per request (client
  and service both; nats-server and Postgres not counted): steadier than rates on a shared machine.
- Where ours spends more. The two "no query" rows split the hop: with handlers that make no
  query, ours adds the headers written and read, the tenant admitted against the directory, CLS,
  the consumer span and the validation pipe — ~20–30 µs of CPU per request in this round's runs.
  A scope that never uses its EntityManager forks none, opens no transaction, takes no
  connection and flushes nothing (this round: ~91 → ~76 µs for the no-query row in one A/B).
- Fixed this round, with the query (one A/B each, \`npm run bench -- context\`, 64 in flight):
  a scope held a pooled connection from its start to its end, so at 64 in flight on a pool of 10
  requests queued in the pool: 0.50× of the baseline (CPU 649 vs 321 µs per request). Now the
  connection is leased per statement until a transaction begins (\`ConnectionLease\`), as plain
  MikroORM holds it: 0.74× (463 vs 331 µs). A read-only scope also skips the flush that ends its
  unit of work when no entity changed and nobody else listens to flushes: 0.78× (438 vs 329 µs).
- What stays (a V8 profile of each side alone, 20,000 requests at 64 in flight, before the flush
  skip): ours spent ~155 µs more per request — MikroORM ~+48 (the scope's fork, the filter, the
  flush, entity code seeing two entity classes), our own code ~+41 (~8 of it V8 flattening
  knex's SQL string, which the baseline pays later in pg's socket write), GC ~+12, promise hooks
  and microtasks ~+24, the NATS client ~+6 (headers). Counted with \`async_hooks\`, a request
  makes ~194 promises against the baseline's ~139 (the flush skip took ~14 away); Node 20's
  \`AsyncLocalStorage\` runs promise hooks on every promise, and every enabled store (nestjs-cls
  and MikroORM's flush here; in the services OpenTelemetry's context manager too) writes itself
  onto each one. Node 24 (22.7+ behind \`--experimental-async-context-frame\`) carries the
  context in \`AsyncContextFrame\` without these hooks; this machine runs 20.
- Taken out in earlier rounds: Nest's interceptor chain for message handlers
  (\`AsyncResource.bind\` per interceptor and message) — the transport restores the scope
  (\`TenantNatsServer\`) — MikroORM's \`TransactionContext\` per scope, nestjs-cls's path split on
  every \`cls.get(key)\`, a COMMIT sent for scopes that never began, the \`JSON.parse\`
  exception Nest's handler lookup throws for every plain-subject message, and MikroORM's
  \`{ $and: [filter, where] }\` (\`TenantEntityManager\` folds the filter into the where). A
  read-only scope sends one statement, \`select set_config(…); <select>\`, or with bound
  parameters the binding pipelined ahead of it in the same round trip.`,
    run: contextBenchmarks,
    targets: (rows) => {
      const tenant = row(rows, CONTEXT_ROWS.tenant(64));
      const open = row(rows, CONTEXT_ROWS.open(64));
      const rlsCost = tenant.median / open.median;
      return [
        {
          target: 'context: ≤ 5% throughput loss (64 in flight)',
          measured: `${percent(1 - tenant.ratio!)} loss`,
          met: tenant.ratio! >= 0.95,
        },
        {
          target: 'context: RLS on vs off ≤ 10%',
          measured: `${percent(1 - rlsCost)} loss`,
          met: rlsCost >= 0.9,
        },
      ];
    },
  },
  raw: {
    title: 'Raw limits: the ceilings, with the clients the services use',
    notes: `- JetStream: ~200-byte messages (a usage event) over 100 tenants, published with acks (2,000 in
  flight) and drained by a fresh durable pull consumer (\`consume\`, batch 1000), acked one by one
  (ingest with \`USAGE_INGEST_ACK=each\`) or once per batch with ack-all (\`batch\`).
- Postgres: rows of the \`usage_event\` shape (primary key tenant_id, event_id; jsonb data), owner
  connection, no RLS.`,
    run: rawBenchmarks,
  },
  usage: {
    title: 'Usage ingestion: the usage-service draining a JetStream backlog',
    notes: `- The built usage-service runs as its own process (defaults — rounds of ≤ 10,000 written in 4
  transactions at once — with \`USAGE_INGEST_ACK=batch\`: one ack-all per round, the single-ingester deployment;
  \`USAGE_*\` variables given to the bench override them) on a backlog pre-filled while it was
  stopped; the clock runs from its first acknowledged message to the last (boot not counted).
  Every drain starts from empty tables and a new durable, and its totals are checked in SQL —
  events, distinct tenants, rollup and period counts and sums, the same count per tenant — or the
  run fails.
- The ceiling it is compared with is a raw consumer acking the same way (ack-all per 1,000); the
  naive consumer acks each message, like the raw ack-each row. CPU rows: the service process and
  the Postgres backends of its connections, from readiness to drained, per event — steadier than
  rates on a shared machine.
- Where it goes (V8 profiles, CPU rows): a round's tenant groups (~50 events each with 100
  tenants) share the round's few transactions, rebound to each group's tenant by a
  \`set_config\` (\`runTenantsJointly\`); with a transaction per group (fork, BEGIN, COMMIT, spans
  each) per-group work dominated and CPU per event fell as rounds grew (20k events, loaded:
  rounds of 2,000 → 243 µs service + 121 µs Postgres; 5,000 → 133 + 60). With joint
  transactions a group still costs a scope and a statement (Postgres alone: ~0.5 ms of executor
  work per statement, ~14 µs per event), so rounds of 10,000 (groups of ~100) cut CPU per event
  by about a quarter against 5,000 (interleaved A/B drains, loaded machine: service ~65 → ~55 µs,
  Postgres ~33 → ~23 µs) at ~200 MB peak RSS. Postgres also no longer parses, joins and groups a
  JSON row per event for the rollups: the service folds them per minute group and month, and they
  apply only if every event of the group was new (a COPY into a staging table instead of the JSON
  parameters measured no cheaper: the input is not where Postgres spends). Messages are decoded
  as they arrive, overlapping the previous round's writes, and the common case of the schema is
  checked by hand (zod: ~3 µs per event). The rest is per event: the NATS client (parsing,
  headers), JSON, the meter evaluation and the write's JSON, V8's young-generation GC (~15% of the
  service's CPU on 8 MB semi-spaces; 32 MB cut GC by a third but added ~50 MB of RSS loaded and
  ~30 MB idle, which puts every service over the 150 MB idle target), and knex/pg per statement.
- What bounds the rate (system-wide \`perf\` over 5 s of a drain, both cores, an earlier round):
  the service's Node process ~53% of the machine, Postgres ~22%, nats-server ~6%, idle ~17%. The
  database waits on the service's one thread, so its CPU per event sets the rate: 30,000/s needs
  ≤ 33 µs. This round each group's rebinding \`set_config\` rides in the same round trip as the
  group's statement (pipelined ahead of it in the extended protocol) instead of one of its own:
  drains went from 18–24k/s (45–57 µs service + 20–28 µs Postgres per event, last round's three
  runs) to 29–34k/s (32–39 + 12–14 µs) in this round's. The spread is the machine's: this
  round's code drained 34.4k/s at 32 µs in one whole run and 30.4k/s at 37 µs an hour later
  (A/B against HEAD in the same minutes: 30.6k/s), and the context suite's baseline drifted as
  much. On this VM the target is met or missed by a few percent from run to run. For scale, a raw reader acking each
  message used ~30 µs of its own and ~30 µs of nats-server CPU per message here, with ack-all ~7
  and ~4: 40% of the ack-all rate (~85k/s) would leave ~12 µs per event for decoding, checking,
  folding and writing it, less than the NATS client alone spends reading it. Peak RSS is V8 heap slack, not data: the live heap after a drain is
  ~52 MB, and \`--max-old-space-size=160\` held the peak at 191 MB (50k events) at similar CPU.
- Duplicates: 10% of the events published again with new \`Nats-Msg-Id\`s (so the stream keeps
  them), after the originals; the rate counts every message drained, and the totals must not move.
- Naive: one statement per message (event insert + minute rollup upsert) then its ack, on the same
  backlog, sequential, owner connection.
- HTTP: batches of 500 with a tenant's API key while the service also ingests; afterwards every
  accepted event must be stored once.`,
    run: usageBenchmarks,
    targets: (rows) => {
      const service = row(rows, USAGE_ROWS.service);
      const naive = row(rows, USAGE_ROWS.naive);
      const ackEach = row(rows, USAGE_ROWS.raw);
      return [
        {
          target: 'usage: ≥ 30,000 events/s drained',
          measured: rate(service.median),
          met: service.median >= 30_000,
        },
        {
          target: 'usage: ≥ 10× the naive consumer',
          measured: times(service.median / naive.median),
          met: service.median / naive.median >= 10,
        },
        {
          target: 'usage: ≥ 40% of raw consume + ack (acking the same way)',
          measured: `${percent(service.ratio!)} of ack-all (${percent(service.median / ackEach.median)} of ack-each)`,
          met: service.ratio! >= 0.4,
        },
        {
          target: 'usage: exact totals with 10% duplicates',
          measured: 'checked in SQL on every drain',
          met: true,
        },
      ];
    },
  },
  lifecycle: {
    title: 'Lifecycle fan-out: the three services as processes',
    notes: `- \`POST /api/v1/tenants\` on the registry, then wait until both the sync and usage databases
  committed the tenant's state (their listeners provision in that same transaction): a trigger
  the benchmark adds to its own copies of \`tenant_state\` notifies, and Postgres delivers the
  notification at commit. It used to poll both databases every millisecond — two queries per
  millisecond on the same 2 cores, which put p50 ~4 ms higher (26 → 22 ms in otherwise equal
  runs). The registry publishes through its outbox relay, woken by each commit (LISTEN/NOTIFY;
  its poll is only a safety net), as shipped. 20 warm-up tenants, then three repetitions of the
  rows' tenants, one at a time (p50/p99 are the medians of the three; a p99 of 200 is the second
  worst). The "of which" rows split the same tenants' time: the registry's answer; answer → the
  relay's JetStream ack (its \`published_at\`, stamped at the last ack of its batch: one row each
  here); ack → the later of the two consumers' \`tenant_state.updated_at\` (one machine, one
  clock). Database round trips per tenant (counted in Postgres's statement
  log): the POST 5 (the plan; \`BEGIN\` with the scope's binding and the audit insert; the tenant
  and outbox inserts; \`COMMIT\`), the relay 1 before it publishes (\`BEGIN\`, lock and read in
  one) and 2 after (the stamp, \`COMMIT\`), the consumers 2 (usage) and 3 (sync: its policy).
  Every stage is CPU-bound: three services, Postgres and NATS share 2 cores with other runs
  (load in the run line). The CPU rows are each service process's user + system time (/proc,
  10 ms ticks) over all the row's tenants, warm-up included, idle timers too: steadier than
  latency on a shared machine.
- Where the tail comes from (slowest POSTs' spans laid over CPU profiles of all three services
  sampled every 250 µs): in the slowest requests the registry sat 20–47 ms between two of its
  statements, running only a third of that time — the rest of the 2 cores went to a collection
  in another service (a consumer's idle-time major GC, 6–16 ms), the registry's own span
  export, Postgres and NATS. No single cost of ours stands out: the registry's 16 ms of CPU per
  tenant spreads over the HTTP stack, the ORM's unit of work, the pg driver and the relay.
  Turning tracing off (\`OTEL_TRACES_SAMPLER=always_off\`, two runs each, alternated) moved p99
  within the run-to-run spread (47 and 55 ms off, 51 and 44 ms on). Earlier findings: each
  service's span export used to serialize up to 512 spans in one synchronous block (20–120 ms on
  a loaded machine, about once per service per run); batches of 64 keep the largest at 2–8 ms
  (most under 2). The registry allocates ~0.9 MB per tenant created (a scavenge every ~7 tenants,
  4–15 ms each) and promotes ~95 KB of it to the old generation — the same with 4, 8 or 16 MB
  semi-spaces, so it is held past several scavenges rather than caught young; it dies there,
  costing a mark-compact (20–50 ms) every ~100–150 tenants. The consumers promote ~10 KB.
- A usage event published on JetStream, then \`GET /api/v1/usage\` with the tenant's key polled
  every 2 ms until it counts it. Ingest writes an event reaching an idle consumer after a 20 ms
  linger (\`USAGE_INGEST_LINGER_MS\`).`,
    run: lifecycleBenchmarks,
    targets: (rows) => {
      const shipped = row(rows, LIFECYCLE_ROWS.provisioned);
      const visible = row(rows, LIFECYCLE_ROWS.visible);
      return [
        {
          target: 'lifecycle: tenant provisioned in both consumers, p99 ≤ 50 ms',
          measured: `${ms(shipped.p99Ms)} ms`,
          met: shipped.p99Ms! <= 50,
        },
        {
          target: 'lifecycle: usage event visible in GET /usage, p99 ≤ 1 s',
          measured: `${ms(visible.p99Ms)} ms`,
          met: visible.p99Ms! <= 1_000,
        },
      ];
    },
  },
  tenants: {
    title: 'Tenant count: the same per-tenant work with 10, 1,000 and 10,000 tenants',
    notes: `- One database per service, migrated by the services' own migrations (RLS from the entities);
  every tenant gets the same rows (96 hourly usage rollups, 10 accounts, 2 × 4 metrics × 10
  days), loaded as the owner with SQL, vacuumed, analyzed and checkpointed. The counts grow in
  the same databases.
- Reads run the services' own code in a tenant scope (app role, transaction, \`set_config\`,
  RLS): the usage repository's window query, the accounts service's \`find\`, the metrics
  aggregate's virtual entity; 4 in flight over tenants spread across the whole range. Each
  repetition runs in turn with the same read in the control database (below), and the "÷" rows
  are the per-repetition ratio of their times: measured apart, minutes after one another, the
  usage read's 10,000/10 ratio came out anywhere from 0.75× to 1.49× for the same code. Each
  read warms up for a whole repetition (400 queries) first, and the two alternate which goes
  first in a repetition: between two identical 10-tenant databases, whichever ran first came
  out ~10% slower.
- The usage window query reads only the rollup's primary key, which includes the aggregates
  (migration \`RollupCoveringKey\`): an index-only scan of the tenant's own key range, asserted
  in \`queries.int.spec.ts\`. Before, rollups written over time interleaved every tenant's rows,
  so at 10,000 tenants a tenant's 96 rows sat on 96 heap pages (a handful at 10), and the read
  came out 1.5–1.9× here. The same SQL under \`pgbench\` (4 clients, random tenants) went from
  1.6–1.8× to 1.1–1.3× at 10,000 tenants; what is left is the index outgrowing Postgres's
  128 MB of shared buffers on this machine (over 10 tenants of the same 10,000-tenant database:
  1.04×), +35–45 µs per read with or without prepared statements: execution, not planning. In the services' read the statement is ~60 µs of Postgres time (auto_explain) in
  ~0.5 ms per read: the rest is the scope's round trips and the client, alike at any count.
  Cost on ingest: the aggregates in the key mean a rollup upsert is never a HOT update, but the
  writer upserts one row per minute group per round; two alternated drains each (100k events)
  gave 22.8k and 22.6k events/s with it, 24.4k and 22.9k without, Postgres CPU 21.3–21.6 against
  19.2–21.2 µs/event: within the spread.
  The accounts and metrics reads hold.
- Migrations run as the owner in one transaction, timed up to the commit and rolled back, so every
  repetition (30, the first not counted) starts from the same catalogue. Each repetition runs in
  turn in the growing database and in a control database that keeps the first count's tenants;
  the "÷" rows are the per-repetition ratio of the two (median shown), so load from elsewhere on
  the machine cancels out; both targets read that ratio at the largest count. "vs baseline" is
  value at N tenants / value at 10 tenants here (for reads it is throughput) — for migrations
  timed minutes apart it mostly measures how busy the machine was then.`,
    run: tenantCountBenchmarks,
    targets: (rows) => {
      const most = TENANT_COUNTS[TENANT_COUNTS.length - 1];
      const read = (name: (n: number) => string) => {
        const slowdown = row(rows, controlledRow(name, most)).median;
        return { slowdown, text: times(slowdown) };
      };
      const reads = [TENANT_ROWS.usage, TENANT_ROWS.accounts, TENANT_ROWS.metrics].map(read);
      // The largest database ÷ the smallest-count control timed in turn with it: that is the
      // target's "at N vs at 10 tenants", with the machine's load cancelled out.
      const table = row(rows, TENANT_ROWS.createTableControlled(most)).median;
      const column = row(rows, TENANT_ROWS.addColumnControlled(most)).median;
      return [
        {
          target: `tenants: per-tenant queries at ${most}/${TENANT_COUNTS[0]} tenants ≤ 1.2× (usage, accounts, metrics)`,
          measured: reads.map((r) => r.text).join(', '),
          met: reads.every((r) => r.slowdown <= 1.2),
        },
        {
          target: `tenants: migration of a new tenant-scoped table at ${most}/${TENANT_COUNTS[0]} tenants ≤ 1.2×`,
          measured: `${times(table)} (add column: ${times(column)})`,
          met: table <= 1.2,
        },
      ];
    },
  },
  memory: {
    title: 'Memory: resident set of each service',
    notes: `- VmRSS of each built service's process (Linux /proc), the stack of three with a database
  each. Idle: the median of 10 samples 5 s after 20 tenants were provisioned. Loaded: the peak
  (sampled every 100 ms) while the usage backlog is published and the usage-service drains it.
- The services run as they do everywhere, with \`--max-semi-space-size=8 --max-old-space-size=192\`
  (\`SERVICE_NODE_FLAGS\`): on the default 16 MB semi-spaces V8's young generation grew to its cap while a service booted and
  stayed there, ~30 MB of each idle service's RSS (measured: 157/151/150 MB idle at 16 MB,
  143/136/137 at 8, 126/125/122 at 2, same run conditions). Tracing no longer loads
  \`@opentelemetry/sdk-node\` (~300 modules of exporters nobody configured): ~4 MB each. The loaded
  peak is one sample per run and moved by tens of MB between runs (251 and 305 MB for the
  usage-service) until the old generation was capped too (\`--max-old-space-size=192\`): draining,
  its live heap stays near 50 MB, the rest was headroom V8 kept before collecting.`,
    run: memoryBenchmarks,
    targets: (rows) =>
      (['tenant-service', 'sync-service', 'usage-service'] as const).flatMap((service) => {
        const idle = row(rows, MEMORY_ROWS.idle(service)).median;
        const loaded = row(rows, MEMORY_ROWS.loaded(service)).median;
        return [
          {
            target: `memory: ${service} ≤ 150 MB idle`,
            measured: `${format(idle)} MB`,
            met: idle <= 150,
          },
          {
            target: `memory: ${service} ≤ 300 MB loaded`,
            measured: `${format(loaded)} MB`,
            met: loaded <= 300,
          },
        ];
      }),
  },
};

const RESULTS = join(__dirname, 'results.json');

interface Results {
  command: string;
  machine: Record<string, unknown>;
  suites: Record<
    string,
    { date: string; reps?: string; load?: string; results: Summary[]; targets?: Target[] }
  >;
}

function version(command: string): string {
  try {
    return execSync(command, { encoding: 'utf8' }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

function format(value: number): string {
  return value >= 100
    ? Math.round(value).toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
const ms = (value?: number) => (value === undefined ? '' : value.toFixed(2));
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function table(rows: Summary[]): string {
  const latency = rows.some((row) => row.p50Ms !== undefined);
  const lines = [
    `| benchmark | median | unit | min–max | vs baseline |${latency ? ' p50 ms | p99 ms |' : ''}`,
    `| --- | ---: | --- | ---: | ---: |${latency ? ' ---: | ---: |' : ''}`,
  ];
  for (const row of rows) {
    const ratio = row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`;
    const cells = [
      row.name,
      format(row.median),
      row.unit ?? 'ops/s',
      `${format(row.min)}–${format(row.max)}`,
      ratio,
    ];
    if (latency) cells.push(ms(row.p50Ms), ms(row.p99Ms));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function report(results: Results): string {
  const machine = results.machine;
  const sections = Object.entries(SUITES)
    .filter(([name]) => results.suites[name])
    .map(([name, suite]) => {
      const { date, reps, load, results: rows } = results.suites[name];
      const run = [
        `\`npm run bench -- ${name}\`, ${date}`,
        ...(reps ? [`BENCH_REPS=${reps}`] : []),
        ...(load ? [`load average ${load} on ${String(machine.cores)} cores`] : []),
      ].join(', ');
      return `## ${suite.title}\n\n${run}\n\n${table(rows)}\n\n${suite.notes}\n`;
    });
  const targets = Object.keys(SUITES).flatMap((name) => results.suites[name]?.targets ?? []);
  const goals = [
    '| target | measured | met? |',
    '| --- | --- | --- |',
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`),
  ].join('\n');
  return `# Benchmarks

Produced by \`${results.command}\` (it builds the services first; one suite:
\`npm run bench -- <suite>\`; suites: ${Object.keys(SUITES).join(', ')}). Each row is the median of
its repetitions (\`BENCH_REPS\`, default 5; the usage drains \`BENCH_USAGE_REPS\`, default 2; the
lifecycle rows three (\`BENCH_LIFECYCLE_REPS\`); memory rows one sample each), min–max shown; ratios compare with the
baseline measured in the same run. Timings are never asserted in tests. Sizes can be reduced for a
quick check (\`BENCH_USAGE_EVENTS\`, \`BENCH_RAW_MESSAGES\`, \`BENCH_TENANT_COUNTS\`, … in bench/*.ts).

Machine: ${String(machine.cores)} cores (${String(machine.cpu)}), ${String(machine.memoryGiB)} GiB, Node ${String(machine.node)}, PostgreSQL ${String(machine.postgres)}, ${String(machine.nats)}.

## Targets

${goals}

${sections.join('\n')}`;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const requested = process.argv.slice(2);
  if (requested.length === 1 && requested[0] === '--report') {
    // Rewrites BENCHMARKS.md from bench/results.json (e.g. after editing a suite's notes).
    const saved = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
    writeFileSync(join(__dirname, '..', 'BENCHMARKS.md'), report(saved));
    return;
  }
  const unknown = requested.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    throw new Error(
      `unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`,
    );
  }
  const names = requested.length > 0 ? requested : Object.keys(SUITES);
  const results: Results = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Results)
    : { command: 'npm run bench', machine: {}, suites: {} };
  results.suites ??= {};
  results.machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: version(
      `psql "${process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'}" -Atc 'show server_version'`,
    ),
    nats: version('nats-server --version'),
  };
  for (const name of names) {
    const summaries = summarize(await SUITES[name].run());
    const targets = SUITES[name].targets?.(summaries);
    results.suites[name] = {
      date: new Date().toISOString(),
      reps: process.env.BENCH_REPS ?? '5',
      // Other work on the machine skews every number: the 1-minute load average at the end.
      load: loadavg()[0].toFixed(1),
      results: summaries,
      targets,
    };
    process.stdout.write(`\n${SUITES[name].title}\n${table(summaries)}\n`);
    // Written after every suite, so a long run that fails later keeps what it measured.
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(__dirname, '..', 'BENCHMARKS.md'), report(results));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
