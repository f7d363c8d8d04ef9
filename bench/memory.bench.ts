import { BusNaming } from '@tenantbus/contracts';
import { ensureUsageStream } from '@tenantbus/tenant-context';
import { JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { INGEST_DURABLE } from '../apps/usage-service/src/ingest/usage-ingest.consumer';
import type { ServiceName } from '../test/support/stack';
import { median, type Sample } from './measure';
import { benchStack, PAD, publishBacklog, rssMb, sampleRss, sleep } from './support';

const LOAD_EVENTS = Number(process.env.BENCH_MEMORY_EVENTS ?? 100_000);
const TENANTS = 20;
const SERVICES: ServiceName[] = ['tenant-service', 'sync-service', 'usage-service'];
const codec = JSONCodec<unknown>();

export const MEMORY_ROWS = {
  idle: (service: ServiceName) => `${service} RSS idle (booted, 20 tenants provisioned)`,
  loaded: (service: ServiceName) =>
    `${service} peak RSS while ${LOAD_EVENTS.toLocaleString('en-US')} usage events are published and ingested`,
};

/**
 * Resident memory of each built service as a process (VmRSS from /proc): idle after boot, and its
 * peak while a usage backlog is published and drained by the usage-service.
 */
export async function memoryBenchmarks(): Promise<Sample[]> {
  const stack = await benchStack();
  try {
    const tenants: string[] = [];
    for (let i = 0; i < TENANTS; i += 1) {
      const created = await stack.call<{ id: string }>(
        'tenant-service',
        'POST',
        '/api/v1/tenants',
        {
          body: { slug: `mem-${randomUUID().slice(0, 12)}`, name: 'Bench', plan: 'free' },
        },
      );
      tenants.push(created.body.id);
    }
    const naming = new BusNaming(stack.bus.prefix);
    const pids = SERVICES.map((service) => stack.services[service].child.pid!);
    // Let boot work and the tenants' provisioning settle, then take the median of 10 samples.
    await sleep(5_000);
    const idle: number[][] = SERVICES.map(() => []);
    for (let s = 0; s < 10; s += 1) {
      pids.forEach((pid, index) => idle[index].push(rssMb(pid)));
      await sleep(200);
    }
    const samplers = pids.map((pid) => sampleRss(pid));
    await publishBacklog(stack.bus.nc, LOAD_EVENTS, (i) => ({
      subject: naming.subject('usage.events.api.requests'),
      tenantId: tenants[i % TENANTS],
      data: codec.encode({
        id: randomUUID(),
        type: 'api.requests',
        source: 'bench',
        time: new Date().toISOString(),
        data: { value: 1, route: `/r${i % 7}`, pad: PAD },
      }),
    }));
    const jsm = await stack.bus.nc.jetstreamManager();
    const stream = await ensureUsageStream(stack.bus.nc, naming);
    const deadline = Date.now() + 300_000;
    for (;;) {
      const info = await jsm.consumers.info(stream, INGEST_DURABLE);
      if (info.num_pending + info.num_ack_pending === 0) break;
      if (Date.now() > deadline) throw new Error('the usage backlog was not drained in 5 minutes');
      await sleep(100);
    }
    const peaks = samplers.map((sampler) => sampler.stop());
    return SERVICES.flatMap((service, index) => [
      { name: MEMORY_ROWS.idle(service), rates: [median(idle[index])], unit: 'MB' },
      { name: MEMORY_ROWS.loaded(service), rates: [peaks[index]], unit: 'MB' },
    ]);
  } finally {
    await stack.stop();
  }
}
