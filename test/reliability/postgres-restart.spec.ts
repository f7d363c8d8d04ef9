import { startPostgresServer, type PostgresServerProcess } from '@tenantbus/testing';
import { startStack, type Stack } from '../support/stack';
import { FaultWorkload, FAST_SYNC_ENV } from '../support/fault-workload';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Databases go away under load while the services keep running: readiness turns 503 and back,
 * consumers back off and resume, and nothing acked or committed is lost or counted twice. The
 * registry has its own cluster, so in the restart it keeps committing tenant changes while the
 * consumers' database is down — their lifecycle events must wait, not be given up on.
 */
describe('Postgres restarted and killed under ingestion (private clusters, three processes)', () => {
  let registryDb: PostgresServerProcess;
  let consumersDb: PostgresServerProcess;
  let stack: Stack;
  let workload: FaultWorkload;

  beforeAll(async () => {
    [registryDb, consumersDb] = await Promise.all([startPostgresServer(), startPostgresServer()]);
    stack = await startStack(
      {
        'tenant-service': { OUTBOX_POLL_MS: '50' },
        'sync-service': FAST_SYNC_ENV,
        'usage-service': { USAGE_INGEST_BATCH_SIZE: '500' },
      },
      {
        databaseAdminUrls: {
          'tenant-service': registryDb.adminUrl,
          'sync-service': consumersDb.adminUrl,
          'usage-service': consumersDb.adminUrl,
        },
      },
    );
    workload = new FaultWorkload(stack, stack.bus.nc);
    await workload.setup(4);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([registryDb?.destroy(), consumersDb?.destroy()]);
  });

  const readiness = async (status: 200 | 503) => {
    await workload.waitForReadiness(['sync-service', 'usage-service'], status);
  };

  it("consumers' cluster restarted (down 12 s) while the registry keeps committing: every change applied once, every event counted once", async () => {
    const observed = await workload.around(async () => {
      await consumersDb.stop();
      await readiness(503);
      await sleep(12_000);
      await consumersDb.start();
      await readiness(200);
    });
    // The registry kept working: changes were committed (and had to wait) during the outage.
    expect(observed.changesRefused).toBe(0);
    console.log('Postgres restart:', JSON.stringify(observed));
  }, 180_000);

  it('every cluster SIGKILLed and restarted (crash recovery): the same', async () => {
    const observed = await workload.around(async () => {
      await Promise.all([registryDb.kill(), consumersDb.kill()]);
      await workload.waitForReadiness(['tenant-service', 'sync-service', 'usage-service'], 503);
      await Promise.all([registryDb.start(), consumersDb.start()]);
      await workload.waitForReadiness(['tenant-service', 'sync-service', 'usage-service'], 200);
    });
    console.log('Postgres SIGKILL:', JSON.stringify(observed));
  }, 180_000);
});
