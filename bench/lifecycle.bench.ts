import { BusNaming } from '@tenantbus/contracts';
import { JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Stack } from '../test/support/stack';
import { measureLatency, percentile, type Sample } from './measure';
import { benchStack, cpuMs, seconds, sleep, tenantHeaders } from './support';

const TENANTS = Number(process.env.BENCH_LIFECYCLE_TENANTS ?? 200);
const VISIBLE_EVENTS = Number(process.env.BENCH_VISIBLE_EVENTS ?? 80);
/** Three repetitions of 200 tenants (after 20 warm-up tenants): a p99 of 200 is the second worst. */
const LIFECYCLE_REPS = Number(process.env.BENCH_LIFECYCLE_REPS ?? 3);
const codec = JSONCodec<unknown>();

export const LIFECYCLE_ROWS = {
  provisioned: 'POST /api/v1/tenants → provisioned in sync and usage, 1 at a time',
  answered: 'of which POST /api/v1/tenants answered',
  relayed: 'of which answer → on JetStream (outbox relay, woken by the commit)',
  applied: 'of which on JetStream → applied in both consumers',
  visible: 'usage event published → visible in GET /api/v1/usage, 4 tenants in flight',
  cpu: (service: string) => `Node CPU per tenant provisioned (warm-up included): ${service}`,
} as const;

const SERVICES = ['tenant-service', 'sync-service', 'usage-service'] as const;
const CONSUMERS = ['sync-service', 'usage-service'] as const;

/**
 * The three built services as processes (a database each): how long a new tenant takes to reach
 * both consumers, and a usage event to show up in the query API. Latency is what a client sees;
 * the rates are just the sequential throughput of the measurement.
 */
export async function lifecycleBenchmarks(): Promise<Sample[]> {
  const samples: Sample[] = [];
  // As shipped: the registry's outbox relay is woken by each commit (LISTEN/NOTIFY).
  const stack = await benchStack();
  let listening: StateCommits | undefined;
  try {
    const commits = await StateCommits.listen(stack);
    listening = commits;
    const answered: { id: string; answeredMs: number; answeredAt: number }[] = [];
    const pids = SERVICES.map((service) => stack.services[service].child.pid!);
    const cpuBefore = pids.map(cpuMs);
    samples.push(
      await measureLatency(
        LIFECYCLE_ROWS.provisioned,
        { repetitions: LIFECYCLE_REPS, count: TENANTS, inFlight: 1, warmup: 20 },
        async () => answered.push(await provision(stack, commits)),
      ),
    );
    // Each service's own CPU (its process, /proc): steadier than latency on a shared machine.
    samples.push(
      ...SERVICES.map((service, index) => ({
        name: LIFECYCLE_ROWS.cpu(service),
        unit: 'µs CPU/tenant',
        rates: [((cpuMs(pids[index]) - cpuBefore[index]) * 1_000) / answered.length],
      })),
    );
    // Where the time goes, over the same tenants (warm-up included): the registry's answer, the
    // relay (its `published_at` is stamped on the JetStream ack) and the consumers (their state
    // row's `updated_at`). One machine, one clock.
    const published = await stampsOf(
      stack,
      'tenant-service',
      'select tenant_id as id, published_at as at from outbox',
    );
    const applied = await Promise.all(
      CONSUMERS.map((service) =>
        stampsOf(stack, service, 'select tenant_id as id, updated_at as at from tenant_state'),
      ),
    );
    samples.push(
      stage(
        LIFECYCLE_ROWS.answered,
        answered.map((tenant) => tenant.answeredMs),
      ),
      stage(
        LIFECYCLE_ROWS.relayed,
        answered.map((tenant) => published.get(tenant.id)! - tenant.answeredAt),
      ),
      stage(
        LIFECYCLE_ROWS.applied,
        answered.map(
          (tenant) =>
            Math.max(...applied.map((stamps) => stamps.get(tenant.id)!)) -
            published.get(tenant.id)!,
        ),
      ),
    );
    samples.push(await visibility(stack, commits));
  } finally {
    await listening?.close();
    await stack.stop();
  }
  return samples;
}

/** A latency-only row: the percentiles of `durations` (ms), the rate their sum allows. */
function stage(name: string, durations: number[]): Sample {
  const sorted = [...durations].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    name,
    rates: [sorted.length / (Math.max(total, 1) / 1_000)],
    latency: { p50: [percentile(sorted, 0.5)], p99: [percentile(sorted, 0.99)] },
  };
}

async function stampsOf(
  stack: Stack,
  service: keyof Stack['databases'],
  sql: string,
): Promise<Map<string, number>> {
  const rows = await stack.databases[service].query<{ id: string; at: Date }>(sql);
  return new Map(rows.map((row) => [row.id, row.at.getTime()]));
}

/** Creates a tenant and returns once both consumers have committed its state. */
async function provision(
  stack: Stack,
  commits: StateCommits,
): Promise<{ id: string; answeredMs: number; answeredAt: number }> {
  const started = process.hrtime.bigint();
  const created = await stack.call<{ id: string }>('tenant-service', 'POST', '/api/v1/tenants', {
    body: { slug: `bench-${randomUUID().slice(0, 12)}`, name: 'Bench', plan: 'free' },
  });
  if (created.status !== 201) throw new Error(`POST /tenants: ${created.status}`);
  const id = created.body.id;
  const answeredMs = seconds(started) * 1_000;
  const answeredAt = Date.now();
  await commits.inBoth(id);
  return { id, answeredMs, answeredAt };
}

/**
 * The consumers' commits of a tenant's state, as they happen: a trigger the benchmark adds to
 * its own databases notifies on every write of `tenant_state`, and Postgres delivers it at
 * commit. Polling both databases every millisecond instead added two queries per millisecond on
 * the 2 cores the services share, and up to a millisecond of resolution to every sample.
 */
class StateCommits {
  private readonly seen = new Map<string, Set<string>>();
  private readonly waiters = new Map<string, () => void>();

  private constructor(private readonly clients: Client[]) {}

  static async listen(stack: Stack): Promise<StateCommits> {
    const clients = CONSUMERS.map(
      (service) => new Client({ connectionString: stack.databases[service].ownerUrl }),
    );
    const commits = new StateCommits(clients);
    for (const [index, service] of CONSUMERS.entries()) {
      const db = stack.databases[service];
      await db.query(`create function bench_state_committed() returns trigger language plpgsql as $$
        begin perform pg_notify('bench_state_committed', new.tenant_id::text); return null; end $$`);
      await db.query(`create trigger bench_state_committed after insert or update on tenant_state
        for each row execute function bench_state_committed()`);
      const client = clients[index];
      await client.connect();
      client.on('notification', ({ payload }) => commits.committed(service, payload!));
      await client.query('listen bench_state_committed');
    }
    return commits;
  }

  /** Resolves once every consumer has committed tenant `id`'s state. */
  inBoth(id: string): Promise<void> {
    if (this.seen.get(id)?.size === CONSUMERS.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`tenant ${id} never reached ${CONSUMERS.join(' and ')}`));
      }, 30_000);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.end()));
  }

  private committed(service: string, id: string): void {
    const services = this.seen.get(id) ?? new Set<string>();
    this.seen.set(id, services.add(service));
    if (services.size < CONSUMERS.length) return;
    this.waiters.get(id)?.();
    this.waiters.delete(id);
  }
}

async function visibility(stack: Stack, commits: StateCommits): Promise<Sample> {
  const naming = new BusNaming(stack.bus.prefix);
  const tenants = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const { id } = await provision(stack, commits);
      const key = await stack.call<{ key: string }>(
        'tenant-service',
        'POST',
        `/api/v1/tenants/${id}/api-keys`,
        { body: { name: 'bench' } },
      );
      return { id, key: key.body.key, published: 0 };
    }),
  );
  // The usage-service learns keys from the directory: wait until each key is accepted.
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const used = async (tenant: (typeof tenants)[number]) => {
    const res = await stack.call<{ data: { value: number }[] }>(
      'usage-service',
      'GET',
      `/api/v1/usage?meter=api.requests&from=${since}`,
      { key: tenant.key },
    );
    if (res.status !== 200) return -1;
    return res.body.data.reduce((sum, point) => sum + point.value, 0);
  };
  for (const tenant of tenants) while ((await used(tenant)) < 0) await sleep(50);
  const js = stack.bus.nc.jetstream();
  return measureLatency(
    LIFECYCLE_ROWS.visible,
    { repetitions: LIFECYCLE_REPS, count: VISIBLE_EVENTS, inFlight: 4, warmup: 8 },
    async (i) => {
      const tenant = tenants[i % tenants.length];
      const ordinal = ++tenant.published;
      await js.publish(
        naming.subject('usage.events.api.requests'),
        codec.encode({
          id: randomUUID(),
          type: 'api.requests',
          source: 'bench',
          time: new Date().toISOString(),
          data: { value: 1, route: '/bench' },
        }),
        { headers: tenantHeaders(tenant.id) },
      );
      const deadline = Date.now() + 30_000;
      while ((await used(tenant)) < ordinal) {
        if (Date.now() > deadline) throw new Error('usage event never became visible');
        await sleep(2);
      }
    },
  );
}
