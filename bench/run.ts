import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { contextBenchmarks } from './context.bench';
import { foundationBenchmarks } from './foundation.bench';
import { summarize, type Sample, type Summary } from './measure';

interface Suite {
  readonly title: string;
  readonly notes: string;
  run(): Promise<Sample[]>;
}

/** Every suite runs alone with `npm run bench -- <name>`; no name runs them all. */
const SUITES: Record<string, Suite> = {
  foundation: {
    title: 'Foundation: what tenancy costs per hop',
    notes: `- Postgres reads: 2,000 single-row reads by key over 50 tenants, 8 in flight. The tenant path is a
  full unit of work per read (EntityManager fork, BEGIN, \`set_config\`, RLS-checked SELECT through the
  ORM filter, COMMIT) — the price of a read that cannot cross tenants even by mistake.
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
- Latency is per request as the client sees it: p50/p99 are medians over the repetitions.`,
    run: contextBenchmarks,
  },
};

const RESULTS = join(__dirname, 'results.json');

interface Results {
  command: string;
  machine: Record<string, unknown>;
  suites: Record<string, { date: string; results: Summary[] }>;
}

function version(command: string): string {
  try {
    return execSync(command, { encoding: 'utf8' }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

const format = (rate: number) => Math.round(rate).toLocaleString('en-US');
const ms = (value?: number) => (value === undefined ? '' : value.toFixed(2));

function table(rows: Summary[]): string {
  const latency = rows.some((row) => row.p50Ms !== undefined);
  const lines = [
    `| benchmark | median ops/s | min–max | vs baseline |${latency ? ' p50 ms | p99 ms |' : ''}`,
    `| --- | ---: | ---: | ---: |${latency ? ' ---: | ---: |' : ''}`,
  ];
  for (const row of rows) {
    const ratio = row.ratio === undefined ? 'baseline' : `${row.ratio.toFixed(2)}×`;
    const cells = [row.name, format(row.median), `${format(row.min)}–${format(row.max)}`, ratio];
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
      const { date, results: rows } = results.suites[name];
      return `## ${suite.title}\n\n\`npm run bench -- ${name}\`, ${date}\n\n${table(rows)}\n\n${suite.notes}\n`;
    });
  return `# Benchmarks

Produced by \`${results.command}\` (one suite: \`npm run bench -- <suite>\`). Each row is the median
of ${process.env.BENCH_REPS ?? 5} repetitions (min–max shown); ratios compare with the baseline
measured in the same run. Timings are never asserted in tests.

Machine: ${String(machine.cores)} cores (${String(machine.cpu)}), ${String(machine.memoryGiB)} GiB, Node ${String(machine.node)}, PostgreSQL ${String(machine.postgres)}, ${String(machine.nats)}.

${sections.join('\n')}`;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const requested = process.argv.slice(2);
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
    results.suites[name] = { date: new Date().toISOString(), results: summaries };
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
