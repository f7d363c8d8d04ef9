import { TENANT_ID_HEADER, USAGE_STREAM } from '@tenantbus/contracts';
import { startServiceProcess, waitFor, type ServiceProcess } from '@tenantbus/testing';
import { headers as natsHeaders, JSONCodec, type PubAck } from 'nats';
import {
  createUsageInfra,
  usageEvent,
  usageServiceEnv,
  type TestTenant,
  type UsageInfra,
} from '../../apps/usage-service/test/usage-service.harness';
import { recordedTotals } from '../support/usage-backlog';

const codec = JSONCodec<unknown>();
/** Short enough to step past in a test; the real stream keeps 30 minutes. */
const WINDOW_MS = 1_000;

/**
 * A producer that re-sends the same event: within the stream's duplicate window under the same
 * `Nats-Msg-Id` JetStream drops it; beyond the window (or under a new msg id) the stream keeps
 * both copies and the database's (tenant, event id) key counts it once — also when both copies
 * land in the same batch.
 */
describe('duplicate publishes of one event id are counted once', () => {
  let infra: UsageInfra;
  let service: ServiceProcess | undefined;
  let tenant: TestTenant;
  const distinct = new Set<string>();

  beforeAll(async () => {
    infra = await createUsageInfra();
    const jsm = await infra.bus.nc.jetstreamManager();
    const stream = infra.naming.stream(USAGE_STREAM);
    const { config } = await jsm.streams.info(stream);
    await jsm.streams.update(stream, { ...config, duplicate_window: WINDOW_MS * 1_000_000 });
    service = await startServiceProcess('usage-service', usageServiceEnv(infra));
    tenant = await infra.tenant();
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await infra?.close();
  });

  const publish = (event: ReturnType<typeof usageEvent>, msgID?: string): Promise<PubAck> => {
    distinct.add(event.id);
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, tenant.id);
    return infra.bus.nc
      .jetstream()
      .publish(infra.naming.subject('usage.events.api.requests'), codec.encode(event), {
        headers,
        msgID,
      });
  };
  const totals = () => recordedTotals(infra, tenant.id);
  const settledTotals = async () => {
    const info = async () =>
      (await infra.bus.nc.jetstreamManager()).consumers.info(
        infra.naming.stream(USAGE_STREAM),
        'usage-ingest',
      );
    await waitFor(
      async () => {
        const current = await info();
        return current.num_pending + current.num_ack_pending === 0;
      },
      { what: 'usage consumer drained' },
    );
    return totals();
  };
  const stored = async () =>
    (await (await infra.bus.nc.jetstreamManager()).streams.info(infra.naming.stream(USAGE_STREAM)))
      .state.messages;

  it('within the duplicate window: the stream drops the copies (same Nats-Msg-Id)', async () => {
    const before = await stored();
    const event = usageEvent({ data: { value: 2 } });
    const acks = [];
    for (let i = 0; i < 3; i += 1) acks.push(await publish(event, event.id));
    expect(acks.map((ack) => ack.duplicate)).toEqual([false, true, true]);
    expect((await stored()) - before).toBe(1);
    expect(await settledTotals()).toEqual({ events: 1, sum: 2, rolled: 1 });
  });

  it('beyond the window and under a new msg id: the stream keeps the copies, the database counts once', async () => {
    const before = await stored();
    const late = usageEvent({ data: { value: 3 } });
    await publish(late, late.id);
    await waitFor(async () => (await totals()).events === distinct.size, {
      what: 'first copy counted',
    });
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    expect((await publish(late, late.id)).duplicate).toBe(false);
    const renamed = usageEvent({ data: { value: 5 } });
    await publish(renamed, 'first-attempt');
    await publish(renamed, 'second-attempt');
    expect((await stored()) - before).toBe(4);
    expect(await settledTotals()).toEqual({ events: 3, sum: 2 + 3 + 5, rolled: 3 });
  });

  it('both copies in one batch (published while the service was down): counted once', async () => {
    await service?.stop();
    const twice = usageEvent({ data: { value: 7 } });
    await publish(twice, 'copy-a');
    await publish(twice, 'copy-b');
    await publish(usageEvent({ data: { value: 1 } }));
    service = await startServiceProcess('usage-service', usageServiceEnv(infra));
    expect(await settledTotals()).toEqual({ events: 5, sum: 2 + 3 + 5 + 7 + 1, rolled: 5 });
    expect(distinct.size).toBe(5);
  });
});
