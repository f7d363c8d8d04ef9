import { startNatsServer, type NatsServerProcess } from '@tenantbus/testing';
import { rmSync } from 'node:fs';
import { startStack, type Stack } from '../support/stack';
import { FaultWorkload, FAST_SYNC_ENV } from '../support/fault-workload';

const SERVICES = ['tenant-service', 'sync-service', 'usage-service'] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The bus goes away under load — a clean stop for 10 s, then a SIGKILL (JetStream file store as
 * the crash left it) — while tenants change, usage events are published and accounts sync.
 * Afterwards nothing committed is lost or doubled and every consumer is drained and still live.
 */
describe('NATS stopped and killed under load (private JetStream server, three processes)', () => {
  let nats: NatsServerProcess;
  let stack: Stack;
  let workload: FaultWorkload;

  beforeAll(async () => {
    nats = await startNatsServer();
    stack = await startStack(
      {
        'tenant-service': { OUTBOX_POLL_MS: '50' },
        'sync-service': FAST_SYNC_ENV,
        'usage-service': { USAGE_INGEST_BATCH_SIZE: '500' },
      },
      { natsUrl: nats.url },
    );
    workload = new FaultWorkload(stack, stack.bus.nc);
    await workload.setup(4);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await nats?.stop();
    if (nats) rmSync(nats.storeDir, { recursive: true, force: true });
  });

  it('stopped for 10 s and restarted: every change once, every event once, consumers drained', async () => {
    const observed = await workload.around(async () => {
      await nats.stop();
      await workload.waitForReadiness(SERVICES, 503);
      await sleep(10_000);
      await nats.start();
      await workload.waitForReadiness(SERVICES, 200);
    });
    expect(observed.publishRetries).toBeGreaterThan(0);
    expect(observed.changesRefused).toBe(0);
    console.log('NATS stop 10 s:', JSON.stringify(observed));
  }, 180_000);

  it('SIGKILLed and restarted on its file store: the same', async () => {
    const observed = await workload.around(async () => {
      await nats.kill();
      await sleep(2_000);
      await nats.start();
    });
    expect(observed.publishRetries).toBeGreaterThan(0);
    expect(observed.changesRefused).toBe(0);
    console.log('NATS SIGKILL:', JSON.stringify(observed));
  }, 180_000);
});
