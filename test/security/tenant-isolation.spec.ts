import { BusNaming, Subjects, TENANT_ID_HEADER } from '@tenantbus/contracts';
import { uniqueName, waitFor } from '@tenantbus/testing';
import fc from 'fast-check';
import { headers as natsHeaders, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import type { ServiceName } from '../support/stack';
import { auditRows, type TableAudit } from './support/row-audit';
import { scanRun } from './support/run-scan';
import { startSecurityStack, type SecurityStack } from './support/security-stack';
import { bearer, issueKey, awaitTenantsEverywhere } from './support/tenants';

const TENANTS = Number(process.env.SECURITY_AUDIT_TENANTS ?? 100);
const OPERATIONS = Number(process.env.SECURITY_AUDIT_OPS ?? 50_000);
const REST_CONCURRENCY = 16;
const NATS_IN_FLIGHT = 512;
const NATS_REQUESTS_IN_FLIGHT = 32;
const SEED = 8_2026;
const codec = JSONCodec<unknown>();

interface AuditTenant {
  readonly index: number;
  readonly id: string;
  readonly key: string;
  /** Embedded in everything this tenant creates, so a row can name its creator. */
  readonly marker: string;
  readonly accounts: string[];
  jobs: number;
  users: Set<string>;
}

type Operation =
  | 'nats-job'
  | 'nats-user'
  | 'nats-quota-check'
  | 'rest-events'
  | 'rest-create-account'
  | 'rest-list-accounts'
  | 'rest-get-account'
  | 'rest-cross-account'
  | 'rest-me'
  | 'rest-usage';

/** The mix: mostly cheap usage events over NATS, every REST path of the three services too. */
const MIX: [Operation, number][] = [
  ['nats-job', 512],
  ['nats-user', 240],
  ['nats-quota-check', 16],
  ['rest-events', 1],
  ['rest-create-account', 1],
  ['rest-list-accounts', 1],
  ['rest-get-account', 1],
  ['rest-cross-account', 1],
  ['rest-me', 1],
  ['rest-usage', 1],
];

/**
 * The leak audit: ≥ 100 tenants doing randomized operations concurrently over REST (all three
 * services) and NATS (usage events and tenant-scoped requests with tenant headers), then a
 * superuser audit of every row of every tenant-scoped table of every database, and each tenant's
 * own reads. Then the per-tenant rate limit under a burst.
 */
describe('security: tenant isolation under concurrent load', () => {
  let s: SecurityStack;
  let naming: BusNaming;
  const tenants: AuditTenant[] = [];
  const run = uniqueName('la')
    .replace(/[^a-z0-9]/g, '')
    .slice(-8);
  const markerPattern = new RegExp(`m${run}t(\\d{3})z`, 'g');
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  const done: Record<string, number> = {};
  const phases: Record<string, number> = {};
  /** Milliseconds spent per operation type, for the report. */
  const busy: Record<string, number> = {};
  let phaseStart = Date.now();
  /** Seconds each phase took, reported with the counts (no assertion: the machine is shared). */
  const phase = (name: string) => {
    phases[name] = Math.round((Date.now() - phaseStart) / 100) / 10;
    phaseStart = Date.now();
  };
  const wrong: string[] = [];

  beforeAll(async () => {
    s = await startSecurityStack(
      {
        'sync-service': {
          SYNC_TICK_MS: '500',
          SYNC_SIMULATED_HISTORY_DAYS: '2',
          USAGE_FLUSH_MS: '500',
        },
        'usage-service': {},
      },
      // Debug, not trace: at this volume trace logging alone would take minutes.
      'debug',
    );
    naming = new BusNaming(s.stack.bus.prefix);
    for (const [code, rps] of [
      ['audit', 100_000],
      ['burst', 5],
    ] as const) {
      const plan = await s.admin('tenant-service', 'PUT', `/api/v1/plans/${code}`, {
        name: code,
        limits: { requests_per_second: rps, sync_accounts: 1_000, sync_runs: 1e9, api_calls: 1e9 },
      });
      expect(plan.status).toBe(200);
    }
    const indexes = Array.from({ length: TENANTS }, (_, index) => index);
    for (let i = 0; i < indexes.length; i += 10) {
      const created = await Promise.all(
        indexes.slice(i, i + 10).map(async (index) => {
          const marker = `m${run}t${String(index).padStart(3, '0')}z`;
          const tenant = await s.admin<{ id: string }>(
            'tenant-service',
            'POST',
            '/api/v1/tenants',
            {
              slug: `${run}-t${index}`,
              name: `Tenant ${marker}`,
              plan: 'audit',
            },
          );
          expect(tenant.status).toBe(201);
          const key = await issueKey(s, tenant.body.id, { name: `${marker} key` });
          return {
            index,
            id: tenant.body.id,
            key: key.key,
            marker,
            accounts: [],
            jobs: 0,
            users: new Set<string>(),
          };
        }),
      );
      tenants.push(...created);
    }
    await awaitTenantsEverywhere(
      s,
      tenants.map((tenant) => tenant.id),
    );
  }, 240_000);

  afterAll(async () => {
    await s?.stop();
  });

  const publishUsage = (tenant: AuditTenant, type: string, data: Record<string, unknown>) => {
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, tenant.id);
    const event = {
      specversion: '1.0',
      id: `${tenant.marker}-${randomUUID()}`,
      type,
      source: `security/${tenant.marker}`,
      time: new Date().toISOString(),
      subject: tenant.marker,
      data,
    };
    return s.stack.bus.nc
      .jetstream()
      .publish(naming.subject(Subjects.usageEvent(type).name), codec.encode(event), {
        headers,
        msgID: event.id,
      });
  };

  /** `usage.check` over NATS request/reply, the tenant in the header as services send it. */
  const quotaStatus = async (tenant: AuditTenant, meter: string) => {
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, tenant.id);
    const reply = await s.stack.bus.nc.request(
      naming.subject(Subjects.usageCheck.name),
      codec.encode({ meter }),
      { headers, timeout: 10_000 },
    );
    return codec.decode(reply.data) as { meter?: string; used?: number };
  };

  const rest = (
    service: ServiceName,
    tenant: AuditTenant,
    method: string,
    path: string,
    body?: unknown,
  ) => s.send<unknown>(service, { method, path, body, headers: bearer(tenant.key) });

  /** One operation; anything that shows another tenant's data, or fails, is noted in `wrong`. */
  const perform = async (
    operation: Operation,
    tenant: AuditTenant,
    other: AuditTenant,
    n: number,
  ) => {
    const foreign = (text: string) =>
      [...text.matchAll(markerPattern)].some((match) => Number(match[1]) !== tenant.index) ||
      text.includes(other.id);
    switch (operation) {
      case 'nats-job':
        tenant.jobs += 1;
        await publishUsage(tenant, 'jobs.completed', { queue: tenant.marker });
        return;
      case 'nats-user': {
        const user = `${tenant.marker}-u${n % 7}`;
        tenant.users.add(user);
        await publishUsage(tenant, 'users.seen', { user });
        return;
      }
      case 'nats-quota-check': {
        const answer = await quotaStatus(tenant, 'jobs.completed');
        if (answer.meter !== 'jobs.completed')
          wrong.push(`usage.check → ${JSON.stringify(answer)}`);
        return;
      }
      case 'rest-events': {
        const events = Array.from({ length: 5 }, () => ({
          id: `${tenant.marker}-${randomUUID()}`,
          type: 'jobs.completed',
          source: `security/${tenant.marker}`,
          time: new Date().toISOString(),
          subject: tenant.marker,
          data: { queue: tenant.marker },
        }));
        const res = await rest('usage-service', tenant, 'POST', '/api/v1/events', events);
        if (res.status === 202) tenant.jobs += events.length;
        else wrong.push(`POST /events → ${res.status} ${res.text}`);
        return;
      }
      case 'rest-create-account': {
        const accountId = `${tenant.marker}-a${tenant.accounts.length}`;
        tenant.accounts.push(accountId);
        const res = await rest('sync-service', tenant, 'POST', '/api/v1/accounts', {
          account_id: accountId,
          display_name: `account of ${tenant.marker}`,
        });
        if (res.status !== 201) wrong.push(`POST /accounts → ${res.status} ${res.text}`);
        return;
      }
      case 'rest-cross-account': {
        const target = other.accounts[0] ?? `${other.marker}-a0`;
        const res = await rest('sync-service', tenant, 'GET', `/api/v1/accounts/${target}`);
        if (res.status !== 404) wrong.push(`cross read ${target} → ${res.status} ${res.text}`);
        return;
      }
      default: {
        const path = {
          'rest-list-accounts': ['sync-service', '/api/v1/accounts'],
          'rest-get-account': ['sync-service', `/api/v1/accounts/${tenant.accounts[0] ?? 'none'}`],
          'rest-me': ['tenant-service', '/api/v1/me'],
          'rest-usage': ['usage-service', `/api/v1/usage?meter=jobs.completed&from=${startedAt}`],
        }[operation] as [ServiceName, string];
        const res = await rest(path[0], tenant, 'GET', path[1]);
        const expected = operation === 'rest-get-account' && !tenant.accounts.length ? 404 : 200;
        // A just-created account may not be committed yet when its own read races it.
        if (res.status !== expected && !(operation === 'rest-get-account' && res.status === 404))
          wrong.push(`${operation} → ${res.status} ${res.text}`);
        if (foreign(res.text))
          wrong.push(`${operation} of ${tenant.marker} shows another tenant: ${res.text}`);
      }
    }
  };

  it(`${TENANTS} tenants × ${OPERATIONS} randomized concurrent operations (REST + NATS): every row belongs to its creator; each tenant reads only its own`, async () => {
    const plan = fc.sample(
      fc.record({
        operation: fc.oneof(
          ...MIX.map(([operation, weight]) => ({ weight, arbitrary: fc.constant(operation) })),
        ),
        tenant: fc.nat(TENANTS - 1),
        other: fc.nat(TENANTS - 1),
      }),
      { seed: SEED, numRuns: OPERATIONS },
    );
    // Every tenant starts with an account, so reads and cross reads have targets.
    for (const tenant of tenants) await perform('rest-create-account', tenant, tenant, 0);
    const lanes = {
      publish: [] as typeof plan,
      request: [] as typeof plan,
      rest: [] as typeof plan,
    };
    for (const step of plan) {
      const lane = step.operation.startsWith('rest-')
        ? 'rest'
        : step.operation === 'nats-quota-check'
          ? 'request'
          : 'publish';
      lanes[lane].push(step);
    }
    const worker = async (lane: keyof typeof lanes, width: number) => {
      const queue = lanes[lane];
      const began = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (next < queue.length) {
            const n = next++;
            const step = queue[n];
            const other =
              tenants[step.other === step.tenant ? (step.other + 1) % TENANTS : step.other];
            const began = Date.now();
            await perform(step.operation, tenants[step.tenant], other, n);
            done[step.operation] = (done[step.operation] ?? 0) + 1;
            busy[step.operation] = (busy[step.operation] ?? 0) + Date.now() - began;
          }
        }),
      );
      phases[`${lane} lane`] = Math.round((Date.now() - began) / 100) / 10;
    };
    phaseStart = Date.now();
    await Promise.all([
      worker('publish', NATS_IN_FLIGHT),
      worker('request', NATS_REQUESTS_IN_FLIGHT),
      worker('rest', REST_CONCURRENCY),
    ]);
    phase('operations');
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(Object.values(done).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(OPERATIONS);

    // Everything sent is ingested before the audit.
    const expectedEvents =
      tenants.reduce((sum, tenant) => sum + tenant.jobs, 0) + (done['nats-user'] ?? 0);
    const usageDb = s.stack.databases['usage-service'];
    await waitFor(
      async () => {
        const [{ n }] = await usageDb.query<{ n: number }>(
          `select count(*)::int as n from usage_event where type in ('jobs.completed', 'users.seen')`,
        );
        return n === expectedEvents ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${expectedEvents} usage events ingested` },
    );

    phase('ingest drained');
    const audits: TableAudit[] = [];
    for (const service of ['tenant-service', 'sync-service', 'usage-service'] as const)
      audits.push(
        ...(await auditRows(s.stack.databases[service], service, tenants, markerPattern)),
      );
    const leaks = audits.flatMap((audit) => audit.leaks);
    expect(leaks.slice(0, 10)).toEqual([]);
    // Where the creator is embedded, every row carries it.
    for (const table of [
      'sync-service.account',
      'usage-service.usage_unique',
      'tenant-service.api_key',
    ]) {
      const audit = audits.find((a) => a.table === table);
      expect({
        table,
        unattributed: (audit?.rows ?? 0) - (audit?.attributed ?? 0),
        rows: (audit?.rows ?? 0) > 0,
      }).toEqual({
        table,
        unattributed: 0,
        rows: true,
      });
    }

    phase('row audit');
    // Each tenant's own reads: exactly its accounts, its jobs, its users.
    const reads: string[] = [];
    for (const tenant of tenants) {
      const accounts = await rest('sync-service', tenant, 'GET', '/api/v1/accounts');
      const ids = (accounts.body as { account_id: string }[]).map((a) => a.account_id).sort();
      if (JSON.stringify(ids) !== JSON.stringify([...tenant.accounts].sort()))
        reads.push(`${tenant.marker} accounts ${ids.length} ≠ ${tenant.accounts.length}`);
      const usage = await rest(
        'usage-service',
        tenant,
        'GET',
        `/api/v1/usage?meter=jobs.completed&from=${startedAt}&groupBy=queue`,
      );
      const points = (
        usage.body as { data: { groupBy: { queue: string | null }; value: number }[] }
      ).data;
      const total = points.reduce((sum, point) => sum + point.value, 0);
      if (total !== tenant.jobs || points.some((point) => point.groupBy.queue !== tenant.marker))
        reads.push(`${tenant.marker} jobs ${JSON.stringify(points)} ≠ ${tenant.jobs}`);
      const status = await quotaStatus(tenant, 'users.active');
      if (status.used !== tenant.users.size)
        reads.push(`${tenant.marker} users ${status.used} ≠ ${tenant.users.size}`);
    }
    expect(reads).toEqual([]);
    phase('own reads');
    const rows = audits.reduce((sum, audit) => sum + audit.rows, 0);
    process.stdout.write(
      `security leak audit: ${JSON.stringify({ tenants: TENANTS, operations: done, rowsAudited: rows, tables: audits.length, leaks: leaks.length, seconds: phases, meanMs: Object.fromEntries(Object.entries(busy).map(([op, ms]) => [op, Math.round(ms / done[op])])) })}\n`,
    );
  }, 420_000);

  it("a burst above the plan's requests_per_second gets 429 for that tenant only; another tenant at the same time gets none", async () => {
    const [noisy, quiet] = await Promise.all(
      ['noisy', 'quiet'].map(async (name) => {
        const tenant = await s.admin<{ id: string }>('tenant-service', 'POST', '/api/v1/tenants', {
          slug: `${run}-${name}`,
          name,
          plan: 'burst',
        });
        const key = await issueKey(s, tenant.body.id, { name: `${name} key` });
        return { id: tenant.body.id, key: key.key };
      }),
    );
    await awaitTenantsEverywhere(s, [noisy.id, quiet.id]);
    for (const tenant of [noisy, quiet]) {
      const created = await s.send('sync-service', {
        method: 'POST',
        path: '/api/v1/accounts',
        headers: bearer(tenant.key),
        body: { account_id: 'burst-1' },
      });
      expect(created.status).toBe(201);
    }
    const trigger = (key: string) =>
      s.send<{ code?: string }>('sync-service', {
        method: 'POST',
        path: '/api/v1/accounts/burst-1/sync',
        headers: bearer(key),
      });
    // The guard learns the plan's rate in the background on first sight; burst until it applies.
    const outcome = await waitFor(
      async () => {
        const [loud, calm] = await Promise.all([
          Promise.all(Array.from({ length: 40 }, () => trigger(noisy.key))),
          Promise.all(Array.from({ length: 3 }, () => trigger(quiet.key))),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 1_100)); // both buckets refill
        const limited = loud.filter((res) => res.status === 429);
        return limited.length ? { loud, calm, limited } : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'a 429 for the noisy tenant' },
    );
    expect(outcome.limited[0].body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(outcome.limited[0].headers['retry-after']).toBeDefined();
    expect(outcome.loud.filter((res) => res.status === 202).length).toBeLessThan(40);
    expect(outcome.calm.map((res) => res.status)).toEqual([202, 202, 202]);
  });

  it('no secret appears in any answer, log line or span of the run', async () => {
    await s.stopServices();
    const report = scanRun(s);
    expect(report.sightings.slice(0, 10)).toEqual([]);
    process.stdout.write(
      `security leak audit scan: ${JSON.stringify({ secrets: s.secrets.size, ...report.scanned })}\n`,
    );
  });
});
