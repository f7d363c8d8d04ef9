import {
  BusNaming,
  DEAD_LETTER_TOKEN,
  TENANT_ID_HEADER,
  USAGE_STREAM,
  type UsageEventInput,
} from '@tenantbus/contracts';
import { TENANT_EVENTS_STREAM } from '@tenantbus/tenant-context';
import { readStream, waitFor } from '@tenantbus/testing';
import { headers as natsHeaders, JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import type { ServiceName, Stack } from './stack';

const codec = JSONCodec<unknown>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const WORKLOAD_METER = 'api.requests';
/** Marks the workload's own events (sync-service meters `api.requests` too). */
export const WORKLOAD_ID_PREFIX = 'faults-';
/** The durable consumers a fault must not leave stuck: [stream token, durable]. */
export const DURABLES = [
  [TENANT_EVENTS_STREAM, 'sync-service-lifecycle'],
  [TENANT_EVENTS_STREAM, 'usage-service-lifecycle'],
  [USAGE_STREAM, 'usage-ingest'],
] as const;
/** A plan whose syncs run every second, so syncs are part of the workload. */
const FAULT_PLAN = {
  name: 'Faults',
  limits: { sync_accounts: 5, sync_interval_seconds: 1, sync_runs: 1_000_000 },
};

export interface Settled {
  readonly stateMismatches: unknown[];
  readonly outboxIds: string[];
  /** `Nats-Msg-Id` of each message on the tenant events stream. */
  readonly streamIds: string[];
  readonly counted: Record<string, number>;
  readonly acked: Record<string, number>;
  readonly backlog: Record<string, [number, number]>;
  /** `reason subject: detail` of each dead letter. */
  readonly deadLetters: string[];
}

export interface FaultRun {
  readonly publishRetries: number;
  readonly changesCommitted: number;
  /** Tenant changes the registry answered with an error (nothing committed). */
  readonly changesRefused: number;
  readonly eventsAcked: number;
  readonly streamMessages: number;
}

export interface WorkloadTenant {
  readonly id: string;
  readonly key: string;
}

/** Sync-service settings that make syncs (simulated provider) part of a short test run. */
export const FAST_SYNC_ENV = {
  CREDENTIALS_KEYS: `faults:${Buffer.alloc(32, 9).toString('base64')}`,
  SYNC_TICK_MS: '200',
  SYNC_RETRY_BASE_MS: '200',
  SYNC_RETRY_MAX_MS: '1000',
  SYNC_JITTER_RATIO: '0',
  USAGE_FLUSH_MS: '200',
  // A run cut off by a database outage cannot record its end; its lease expiring frees the
  // account (default 5 min: too long for a test to wait).
  SYNC_LEASE_MS: '5000',
};

/**
 * The traffic a fault runs under: tenant changes through tenant-service REST, usage events
 * published the way a producer that cares does it (retried under the same `Nats-Msg-Id` until
 * the stream acks), and syncs of one simulated account per tenant in sync-service. It counts
 * what was committed (REST 200s) and acked, so the checks afterwards can be exact.
 */
export class FaultWorkload {
  readonly tenants: WorkloadTenant[] = [];
  /** Usage events acked by the stream, per tenant. */
  readonly acked = new Map<string, number>();
  /** Tenant changes the registry committed (REST 2xx) and those it refused or failed. */
  changes = { committed: 0, failed: 0 };
  /** Publishes that failed and were retried (proof the fault hit the traffic). */
  publishRetries = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly naming: BusNaming;

  constructor(
    private readonly stack: Stack,
    /** The connection events are published on (it must ride out the server's restarts). */
    private readonly nc: NatsConnection,
  ) {
    this.naming = new BusNaming(stack.bus.prefix);
  }

  async setup(tenantCount: number): Promise<void> {
    const plan = await this.stack.call('tenant-service', 'PUT', '/api/v1/plans/faults', {
      body: FAULT_PLAN,
    });
    if (plan.status !== 200) throw new Error(`plan: ${plan.status}`);
    for (let i = 0; i < tenantCount; i += 1) {
      const slug = `faults-${i}-${randomUUID().slice(0, 8)}`;
      const created = await this.stack.call<{ id: string }>(
        'tenant-service',
        'POST',
        '/api/v1/tenants',
        {
          body: { slug, name: slug, plan: 'faults' },
        },
      );
      if (created.status !== 201) throw new Error(`tenant: ${created.status}`);
      const key = await this.stack.call<{ key: string }>(
        'tenant-service',
        'POST',
        `/api/v1/tenants/${created.body.id}/api-keys`,
        { body: { name: 'faults' } },
      );
      this.tenants.push({ id: created.body.id, key: key.body.key });
    }
    await this.waitForStates();
    for (const tenant of this.tenants) {
      const account = await this.stack.call('sync-service', 'POST', '/api/v1/accounts', {
        key: tenant.key,
        body: { account_id: `acct-${tenant.id.slice(0, 8)}`, provider: 'simulated' },
      });
      if (account.status !== 201) throw new Error(`account: ${account.status}`);
    }
  }

  /** Starts the traffic; `stop` ends it and waits until every event in flight was acked. */
  start(): void {
    this.running = true;
    this.loops = [this.changeTenants(), this.publishUsage()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  get ackedTotal(): number {
    return [...this.acked.values()].reduce((sum, n) => sum + n, 0);
  }

  /**
   * Runs the traffic around `fault`, lets everything settle and checks it exactly; then checks
   * the system is still live (a change and events after the fault go through, every account
   * syncs again). Returns the counts of this run for the outcome table.
   */
  async around(fault: () => Promise<void>): Promise<FaultRun> {
    const before = {
      retries: this.publishRetries,
      changes: this.changes.committed,
      failed: this.changes.failed,
      events: this.ackedTotal,
    };
    this.start();
    await sleep(2_000);
    await fault();
    const recoveredAt = new Date();
    await sleep(2_000);
    await this.stop();
    const settled = await this.settle();
    expectNothingLost(settled);
    await this.publishBurst(3);
    const after = await this.stack.call(
      'tenant-service',
      'PATCH',
      `/api/v1/tenants/${this.tenants[0].id}`,
      {
        body: { settings: { after: Date.now() } },
      },
    );
    expect(after.status).toBe(200);
    expectNothingLost(await this.settle());
    await waitFor(
      async () => (await this.accountsSyncedSince(recoveredAt)) === this.tenants.length,
      {
        timeoutMs: 30_000,
        what: 'every account synced after the fault',
      },
    );
    return {
      publishRetries: this.publishRetries - before.retries,
      changesCommitted: this.changes.committed - before.changes,
      changesRefused: this.changes.failed - before.failed,
      eventsAcked: this.ackedTotal - before.events,
      streamMessages: settled.streamIds.length,
    };
  }

  /** Publishes `count` events for each tenant now (outside the loop), retried until acked. */
  async publishBurst(count: number): Promise<void> {
    await Promise.all(
      this.tenants.flatMap((tenant) =>
        Array.from({ length: count }, () => this.publishUntilAcked(tenant.id)),
      ),
    );
  }

  /** Waits until every service's readiness answers `status` (503 while a dependency is down). */
  async waitForReadiness(names: readonly ServiceName[], status: 200 | 503): Promise<void> {
    for (const service of names.map((name) => this.stack.services[name])) {
      await waitFor(
        async () =>
          (await fetch(`${service.url}/health/ready`).catch(() => undefined))?.status === status,
        { timeoutMs: 30_000, what: `${service.name} readiness ${status}` },
      );
    }
  }

  /** Waits until both consumer services hold each tenant at the registry's version. */
  async waitForStates(timeoutMs = 60_000): Promise<void> {
    await waitFor(async () => (await this.stateMismatches()).length === 0, {
      timeoutMs,
      what: 'consumer tenant states at the registry version',
    });
  }

  /** `[service, tenant, consumer version, registry version]` for every tenant not in step. */
  async stateMismatches(): Promise<[ServiceName, string, number | null, number][]> {
    const mismatches: [ServiceName, string, number | null, number][] = [];
    for (const tenant of this.tenants) {
      const registry = await this.stack.call<{ version: number }>(
        'tenant-service',
        'GET',
        `/api/v1/tenants/${tenant.id}`,
      );
      for (const service of ['sync-service', 'usage-service'] as const) {
        const state = await this.stack.call<{ version: number }>(
          service,
          'GET',
          `/api/v1/admin/tenants/${tenant.id}/state`,
        );
        const version = state.status === 200 ? state.body.version : null;
        if (version !== registry.body.version)
          mismatches.push([service, tenant.id, version, registry.body.version]);
      }
    }
    return mismatches;
  }

  /**
   * Waits until the system caught up after a fault (states in step, outbox empty, every acked
   * event counted, consumers drained) and returns what it then holds, for exact assertions.
   */
  async settle(): Promise<Settled> {
    await this.waitForStates();
    const outbox = await waitFor(
      async () => {
        const current = await this.outbox();
        return current.unpublished === 0 ? current : undefined;
      },
      { timeoutMs: 30_000, what: 'outbox published' },
    );
    await this.waitForUsage();
    const backlog = await waitFor(
      async () => {
        const current = await this.consumerBacklog();
        return Object.values(current).every(([pending, ackPending]) => pending + ackPending === 0)
          ? current
          : undefined;
      },
      { timeoutMs: 30_000, what: 'consumers drained' },
    );
    const deadLetters = await readStream(
      this.stack.bus.nc,
      this.naming.stream(DEAD_LETTER_TOKEN),
      0,
    );
    return {
      stateMismatches: await this.stateMismatches(),
      outboxIds: outbox.ids,
      streamIds: await this.tenantEventIds(),
      counted: Object.fromEntries(await this.counted()),
      acked: Object.fromEntries(this.acked),
      backlog,
      deadLetters: deadLetters.map(
        (letter) =>
          `${letter.headers['x-dead-letter-reason']} ${letter.subject}: ${letter.headers['x-dead-letter-detail']}`,
      ),
    };
  }

  /** Usage events counted by usage-service (its own rows), per tenant. */
  async counted(): Promise<Map<string, number>> {
    const rows = await this.stack.databases['usage-service'].query<{
      tenant_id: string;
      n: number;
    }>(
      `select tenant_id, count(*)::int as n from usage_event
        where type = $1 and starts_with(event_id, $2) group by tenant_id`,
      [WORKLOAD_METER, WORKLOAD_ID_PREFIX],
    );
    return new Map(rows.map((row) => [row.tenant_id, row.n]));
  }

  /** Waits until usage-service counted every acked event (or more, which the check then shows). */
  async waitForUsage(timeoutMs = 90_000): Promise<Map<string, number>> {
    return waitFor(
      async () => {
        const counted = await this.counted();
        const total = [...counted.values()].reduce((sum, n) => sum + n, 0);
        return total >= this.ackedTotal ? counted : undefined;
      },
      { timeoutMs, intervalMs: 250, what: 'usage counted' },
    );
  }

  /** Accounts (one per tenant) whose last successful sync started after `since`. */
  async accountsSyncedSince(since: Date): Promise<number> {
    const [{ n }] = await this.stack.databases['sync-service'].query<{ n: number }>(
      `select count(*)::int as n from account where last_sync_at > $1 and sync_status = 'succeeded'`,
      [since],
    );
    return n;
  }

  /** Per durable: messages not yet delivered and delivered but unacked. */
  async consumerBacklog(): Promise<Record<string, [number, number]>> {
    const jsm = await this.stack.bus.nc.jetstreamManager();
    const backlog: Record<string, [number, number]> = {};
    for (const [stream, durable] of DURABLES) {
      const info = await jsm.consumers.info(this.naming.stream(stream), durable);
      backlog[durable] = [info.num_pending, info.num_ack_pending];
    }
    return backlog;
  }

  /** `Nats-Msg-Id` of every message on the tenant events stream, in stream order. */
  async tenantEventIds(): Promise<string[]> {
    const jsm = await this.stack.bus.nc.jetstreamManager();
    const stream = this.naming.stream(TENANT_EVENTS_STREAM);
    const info = await jsm.streams.info(stream);
    const ids: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
      const stored = await jsm.streams.getMessage(stream, { seq });
      ids.push(stored.header.get('Nats-Msg-Id'));
    }
    return ids;
  }

  /** Outbox event ids the registry committed, and how many are still unpublished. */
  async outbox(): Promise<{ ids: string[]; unpublished: number }> {
    const rows = await this.stack.databases['tenant-service'].query<{
      event_id: string;
      published: boolean;
    }>('select event_id, published_at is not null as published from outbox order by id');
    return {
      ids: rows.map((row) => row.event_id),
      unpublished: rows.filter((row) => !row.published).length,
    };
  }

  private async changeTenants(): Promise<void> {
    for (let round = 0; this.running; round += 1) {
      const tenant = this.tenants[round % this.tenants.length];
      const res = await this.stack
        .call('tenant-service', 'PATCH', `/api/v1/tenants/${tenant.id}`, {
          body: { settings: { round } },
        })
        .catch(() => undefined);
      if (res?.status === 200) this.changes.committed += 1;
      else this.changes.failed += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async publishUsage(): Promise<void> {
    while (this.running) {
      await this.publishBurst(5);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async publishUntilAcked(tenantId: string): Promise<void> {
    const event: UsageEventInput = {
      id: `${WORKLOAD_ID_PREFIX}${randomUUID()}`,
      type: WORKLOAD_METER,
      source: 'faults',
      time: new Date().toISOString(),
      data: { value: 1 },
    };
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, tenantId);
    const subject = this.naming.subject(`usage.events.${WORKLOAD_METER}`);
    for (;;) {
      try {
        await this.nc.jetstream().publish(subject, codec.encode(event), {
          headers,
          msgID: event.id,
          timeout: 2_000,
        });
        this.acked.set(tenantId, (this.acked.get(tenantId) ?? 0) + 1);
        return;
      } catch {
        // Down or restarting: the same msg id again, so a publish that did land is not doubled.
        this.publishRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
}

/**
 * The outcome every fault must leave: consumers at the registry's versions, each committed
 * tenant change on the stream exactly once, each acked usage event counted exactly once, no
 * consumer stuck and nothing dead-lettered.
 */
export function expectNothingLost(settled: Settled): void {
  expect(settled.stateMismatches).toEqual([]);
  expect(settled.streamIds.length).toBe(new Set(settled.streamIds).size);
  expect([...settled.streamIds].sort()).toEqual([...settled.outboxIds].sort());
  expect(settled.counted).toEqual(settled.acked);
  expect(Object.values(settled.backlog)).toEqual(DURABLES.map(() => [0, 0]));
  expect(settled.deadLetters).toEqual([]);
}
