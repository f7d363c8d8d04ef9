import { DEAD_LETTER_TOKEN } from '@tenantbus/contracts';
import { startServiceProcess, waitFor, type ServiceProcess } from '@tenantbus/testing';
import { DeliverPolicy } from 'nats';
import { publishUsageBacklog, recordedTotals, type Totals } from '../support/usage-backlog';
import {
  createUsageInfra,
  usageServiceEnv,
  type TestTenant,
  type UsageInfra,
} from '../../apps/usage-service/test/usage-service.harness';

const EVENTS = 12_000;

/**
 * The usage-service as its own process, killed with SIGKILL while it drains a backlog (batches
 * fetched, some written, none of the in-flight ones acked), then restarted: every event counts
 * exactly once — the committed ones are not counted again, the unacked ones are not lost. With
 * ack-all, the restarted reader must not settle the killed one's deliveries before seeing them.
 */
describe.each(['each', 'batch'])(
  'usage-service killed mid-batch and restarted, acks %s: exact totals',
  (ack) => {
    let infra: UsageInfra;
    let service: ServiceProcess | undefined;
    const tenants: TestTenant[] = [];
    let expected = new Map<string, Totals>();
    const env = () =>
      usageServiceEnv(infra, {
        USAGE_INGEST_BATCH_SIZE: '500',
        USAGE_INGEST_ACK: ack,
        // Redelivery of what the killed process had fetched comes after this.
        USAGE_INGEST_ACK_WAIT_MS: '2000',
      });

    beforeAll(async () => {
      infra = await createUsageInfra();
      service = await startServiceProcess('usage-service', {
        ...env(),
        USAGE_INGEST_ENABLED: 'false',
      });
      for (let i = 0; i < 3; i += 1) tenants.push(await infra.tenant());
      await service.stop();
      expected = await publishUsageBacklog(infra, tenants, EVENTS);
    });

    afterAll(async () => {
      await service?.stop();
      await infra?.close();
    });

    const recorded = () => infra.count('select count(*)::int as n from usage_event');

    it('counts every event once after a kill -9 in the middle of the backlog', async () => {
      service = await startServiceProcess('usage-service', env());
      await waitFor(async () => ((await recorded()) >= EVENTS / 4 ? true : undefined), {
        intervalMs: 5,
        what: 'a quarter of the backlog written',
      });
      service.child.kill('SIGKILL');
      await service.stop();
      const atKill = await recorded();
      expect(atKill).toBeLessThan(EVENTS);

      service = await startServiceProcess('usage-service', env());
      await waitFor(async () => ((await recorded()) >= EVENTS ? true : undefined), {
        timeoutMs: 60_000,
        what: 'the whole backlog written',
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const tenant of tenants) {
        const row = await recordedTotals(infra, tenant.id);
        const want = expected.get(tenant.id);
        expect(row).toEqual({ events: want?.events, sum: want?.sum, rolled: want?.events });
      }
      const info = await (
        await infra.bus.nc.jetstreamManager()
      ).consumers.info(infra.naming.stream('usage'), 'usage-ingest');
      expect(info.num_pending + info.num_ack_pending).toBe(0);
      // Redelivered, not refused: nothing was dead-lettered on the way.
      const dlq = await (
        await infra.bus.nc.jetstreamManager()
      ).streams.info(infra.naming.stream(DEAD_LETTER_TOKEN));
      expect(dlq.state.messages).toBe(0);
      // The kill really hit delivered-but-unacked batches: they were delivered again (each), or
      // the ack-all consumer had to be restarted from its ack floor (batch).
      if (ack === 'each') expect(info.delivered.consumer_seq).toBeGreaterThan(EVENTS);
      else expect(info.config.deliver_policy).toBe(DeliverPolicy.StartSequence);
      console.log(
        'usage-service SIGKILL mid-batch:',
        JSON.stringify({
          ack,
          events: EVENTS,
          writtenAtKill: atKill,
          deliveries: info.delivered.consumer_seq,
        }),
      );
    });
  },
);
