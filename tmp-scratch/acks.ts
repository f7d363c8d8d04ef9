import { BusNaming } from '@tenantbus/contracts';
import { createTestBus } from '@tenantbus/testing';
import { JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { execSync } from 'node:child_process';
import { cpuMs, drainRaw, PAD, publishBacklog } from '../bench/support';

const N = 100_000;
async function main() {
  const natsPid = Number(execSync('pgrep -x nats-server | head -1').toString().trim());
  const bus = await createTestBus('tb_acks');
  const naming = new BusNaming(bus.prefix);
  const jsm = await bus.nc.jetstreamManager();
  const stream = naming.stream('acks');
  await jsm.streams.add({ name: stream, subjects: [naming.subject('acks.>')] });
  const codec = JSONCodec<unknown>();
  const tenants = Array.from({ length: 100 }, () => randomUUID());
  await publishBacklog(bus.nc, N, (i) => ({ subject: naming.subject('acks.x'), data: codec.encode({ id: randomUUID(), type: 'api.requests', source: 'bench', time: new Date().toISOString(), data: { value: 1, route: `/r${i % 7}`, pad: PAD } }), tenantId: tenants[i % 100] }));
  for (const ack of ['each', 'batch', 'each', 'batch'] as const) {
    const s0 = cpuMs(natsPid), c0 = process.cpuUsage();
    const took = await drainRaw(bus.nc, jsm, { stream, durable: `d_${randomUUID().slice(0, 8)}`, count: N, ack });
    const c1 = process.cpuUsage(c0);
    console.log(ack, Math.round(N / took), '/s; nats-server µs/msg', ((cpuMs(natsPid) - s0) * 1000 / N).toFixed(1), '; client µs/msg', ((c1.user + c1.system) / N).toFixed(1));
  }
  await bus.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
