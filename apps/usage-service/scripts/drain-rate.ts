/**
 * Rough drain rate of the ingest consumer: a backlog of usage events for a few tenants is put on
 * the stream while ingest is off, then the built service, started as its own process, drains it.
 * `npx nest build usage-service && npx tsx --tsconfig tsconfig.json
 * apps/usage-service/scripts/drain-rate.ts [events] [tenants] [batch] [concurrency]`.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { JSONCodec } from 'nats';
import { TENANT_ID_HEADER } from '@tenantbus/contracts';
import { headers as natsHeaders } from 'nats';
import { startServiceProcess } from '@tenantbus/testing';
import { createUsageInfra, usageEvent, usageServiceEnv } from '../test/usage-service.harness';

/** User + system CPU time of a process so far (Linux /proc), in ms. */
function cpuMs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function main(): Promise<void> {
  const [events = 100_000, tenantCount = 10, batch = 5_000, concurrency = 4] = process.argv
    .slice(2)
    .map(Number);
  const infra = await createUsageInfra();
  const setup = await startServiceProcess(
    'usage-service',
    usageServiceEnv(infra, { USAGE_INGEST_ENABLED: 'false' }),
  );
  const tenants = [];
  for (let i = 0; i < tenantCount; i += 1) tenants.push(await infra.tenant());
  await setup.stop();
  const codec = JSONCodec<unknown>();
  const js = infra.bus.nc.jetstream();
  const started = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < events; i += 1) {
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, tenants[i % tenantCount].id);
    const event = usageEvent({ data: { value: 1, route: `/r${i % 7}` } });
    pending.push(
      js.publish(infra.naming.subject('usage.events.api.requests'), codec.encode(event), {
        headers,
      }),
    );
    if (pending.length >= 2_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  console.log(`backlog of ${events} published in ${Date.now() - started} ms`);
  const drainStart = Date.now();
  const service = await startServiceProcess(
    'usage-service',
    usageServiceEnv(infra, {
      USAGE_INGEST_BATCH_SIZE: String(batch),
      USAGE_INGEST_CONCURRENCY: String(concurrency),
    }),
  );
  // The clock starts at the first committed event, so the service's boot is not counted.
  let firstAt = 0;
  let cpuAtFirst = 0;
  for (;;) {
    const n = await infra.count('select count(*)::int as n from usage_event');
    if (n > 0 && !firstAt) {
      firstAt = Date.now();
      cpuAtFirst = cpuMs(service.child.pid);
    }
    if (n >= events) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const ms = Date.now() - firstAt;
  const cpu = cpuMs(service.child.pid) - cpuAtFirst;
  void drainStart;
  console.log(
    `drained ${events} events (${tenantCount} tenants, batch ${batch}, ${concurrency} groups at once) in ${ms} ms: ${Math.round((events / ms) * 1000)} events/s (from the first commit); service process CPU ${Math.round((cpu * 1000) / events)} µs/event; load ${loadavg()[0].toFixed(1)}`,
  );
  process.stderr.write(
    service
      .output()
      .split('\n')
      .filter((l) => l.startsWith('TIMING'))
      .slice(0, 60)
      .join('\n'),
  );
  await service.stop();
  await infra.close();
}

void main();
