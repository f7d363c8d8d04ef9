import { startNatsServer, waitFor, type NatsServerProcess } from '@tenantbus/testing';
import { rmSync } from 'node:fs';
import { startStack, type Stack } from '../support/stack';
import { expectNothingLost, FaultWorkload, FAST_SYNC_ENV } from '../support/fault-workload';

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

  /** Runs the workload around `fault`, lets everything settle, checks it exactly. */
  const underLoad = async (fault: () => Promise<void>) => {
    const retriesBefore = workload.publishRetries;
    const changesBefore = workload.changes.committed;
    const ackedBefore = workload.ackedTotal;
    workload.start();
    await sleep(2_000);
    await fault();
    const restartedAt = new Date();
    await sleep(2_000);
    await workload.stop();
    const settled = await workload.settle();
    expectNothingLost(settled);
    // Still live: a change and events after the fault go all the way through.
    await workload.publishBurst(3);
    await stack.call('tenant-service', 'PATCH', `/api/v1/tenants/${workload.tenants[0].id}`, {
      body: { settings: { after: Date.now() } },
    });
    expectNothingLost(await workload.settle());
    await waitForSyncs(restartedAt);
    return {
      publishRetries: workload.publishRetries - retriesBefore,
      changes: workload.changes.committed - changesBefore,
      events: workload.ackedTotal - ackedBefore,
      streamMessages: settled.streamIds.length,
    };
  };
  const waitForSyncs = async (since: Date) => {
    await waitFor(
      async () => (await workload.accountsSyncedSince(since)) === workload.tenants.length,
      {
        timeoutMs: 30_000,
        what: 'every account synced after the restart',
      },
    );
  };

  it('stopped for 10 s and restarted: every change once, every event once, consumers drained', async () => {
    const observed = await underLoad(async () => {
      await nats.stop();
      await workload.waitForReadiness(503);
      await sleep(10_000);
      await nats.start();
      await workload.waitForReadiness(200);
    });
    expect(observed.publishRetries).toBeGreaterThan(0);
    expect(workload.changes.failed).toBe(0);
    console.log('NATS stop 10 s:', JSON.stringify(observed));
  }, 180_000);

  it('SIGKILLed and restarted on its file store: the same', async () => {
    const observed = await underLoad(async () => {
      await nats.kill();
      await sleep(2_000);
      await nats.start();
    });
    expect(observed.publishRetries).toBeGreaterThan(0);
    expect(workload.changes.failed).toBe(0);
    console.log('NATS SIGKILL:', JSON.stringify(observed));
  }, 180_000);
});
