import { DEAD_LETTER_TOKEN, USAGE_STREAM } from '@tenantbus/contracts';
import { startServiceProcess, waitFor, type ServiceProcess } from '@tenantbus/testing';
import { readFileSync } from 'node:fs';
import {
  createUsageInfra,
  usageServiceEnv,
  type TestTenant,
  type UsageInfra,
} from '../../apps/usage-service/test/usage-service.harness';
import { publishUsageBacklog, recordedTotals, type Totals } from '../support/usage-backlog';

const EVENTS = 100_000;
/** Generous on purpose: a memory bound, not a benchmark (the observed peak goes to RELIABILITY.md). */
const RSS_BOUND_MB = 512;

/** Resident memory of a process, from `/proc/<pid>/status` (Linux). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/**
 * A slow consumer: usage-service is down while 100k events pile up, then starts. The backlog
 * drains completely with exact totals, and the process's memory stays bounded meanwhile (it
 * pulls in batches, it does not swallow the stream).
 */
describe('backlog of 100k usage events: drains with exact totals in bounded memory', () => {
  let infra: UsageInfra;
  let service: ServiceProcess | undefined;
  const tenants: TestTenant[] = [];
  let expected = new Map<string, Totals>();

  beforeAll(async () => {
    infra = await createUsageInfra();
    service = await startServiceProcess(
      'usage-service',
      usageServiceEnv(infra, { USAGE_INGEST_ENABLED: 'false' }),
    );
    for (let i = 0; i < 5; i += 1) tenants.push(await infra.tenant());
    await service.stop();
    expected = await publishUsageBacklog(infra, tenants, EVENTS);
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await infra?.close();
  });

  it('drains every event exactly once while RSS stays under the bound', async () => {
    const started = await startServiceProcess('usage-service', usageServiceEnv(infra));
    service = started;
    const pid = started.child.pid ?? 0;
    const atStart = rssMb(pid);
    let peak = atStart;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
    try {
      await waitFor(
        async () => (await infra.count('select count(*)::int as n from usage_event')) >= EVENTS,
        { timeoutMs: 150_000, intervalMs: 500, what: 'the backlog drained' },
      );
    } finally {
      clearInterval(sampler);
    }
    for (const tenant of tenants) {
      const want = expected.get(tenant.id);
      expect(await recordedTotals(infra, tenant.id)).toEqual({
        events: want?.events,
        sum: want?.sum,
        rolled: want?.events,
      });
    }
    const jsm = await infra.bus.nc.jetstreamManager();
    const info = await jsm.consumers.info(infra.naming.stream(USAGE_STREAM), 'usage-ingest');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    expect((await jsm.streams.info(infra.naming.stream(DEAD_LETTER_TOKEN))).state.messages).toBe(0);
    expect(peak).toBeLessThan(RSS_BOUND_MB);
    console.log(
      'backlog drain:',
      JSON.stringify({
        events: EVENTS,
        rssAtStartMb: Math.round(atStart),
        peakRssMb: Math.round(peak),
      }),
    );
  }, 180_000);
});
