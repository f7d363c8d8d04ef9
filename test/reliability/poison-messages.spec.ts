import {
  DEAD_LETTER_TOKEN,
  MAX_MESSAGE_BYTES,
  TENANT_ID_HEADER,
  USAGE_STREAM,
} from '@tenantbus/contracts';
import { TENANT_EVENTS_STREAM } from '@tenantbus/tenant-context';
import {
  lifecycleEvent,
  readStream,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
} from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, JSONCodec } from 'nats';
import { Client } from 'pg';
import {
  createUsageInfra,
  usageEvent,
  usageServiceEnv,
  type TestTenant,
  type UsageInfra,
} from '../../apps/usage-service/test/usage-service.harness';

const codec = JSONCodec<unknown>();
const text = (value: string) => new TextEncoder().encode(value);
/** A body near the server's `max_payload` (1 MiB), still publishable with a few headers. */
const HUGE = 1024 * 1024 - 4 * 1024;

interface Poison {
  readonly marker: string;
  /** `undefined`: no header at all. */
  readonly header: string | undefined;
  readonly body: Uint8Array;
  readonly reason: string;
}

/**
 * Messages that must never reach a handler, on both streams the usage-service consumes (usage
 * events, batch consumer; tenant lifecycle, per-message consumer), each interleaved with good
 * messages: every one is dead-lettered with its reason, and the good ones keep being counted.
 */
describe('poison messages are dead-lettered with a reason; the streams keep flowing', () => {
  let infra: UsageInfra;
  let service: ServiceProcess | undefined;
  let good: TestTenant;
  let other: TestTenant;
  let purged: TestTenant;
  let goodEvents = 0;
  // Few deliveries and a short ack wait, so the max-deliveries case runs in seconds.
  const env = () =>
    // Ack wait longer than a pull request lives (PULL_EXPIRES_MS): a killed reader's requests are
    // gone before the doomed message is due again, so the server waits for the restarted reader.
    usageServiceEnv(infra, { USAGE_INGEST_MAX_DELIVER: '2', USAGE_INGEST_ACK_WAIT_MS: '8000' });

  beforeAll(async () => {
    infra = await createUsageInfra();
    service = await startServiceProcess('usage-service', env());
    good = await infra.tenant();
    other = await infra.tenant();
    purged = await infra.tenant();
    await purged.change('tenant.deleted', { status: 'deleted' });
    await purged.change('tenant.purged', { status: 'deleted' });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await infra?.close();
  });

  const publishGood = async () => {
    goodEvents += 1;
    await infra.publish(good.id, [usageEvent()]);
  };
  const publishPoison = async (subject: string, poison: Poison) => {
    const headers = natsHeaders();
    if (poison.header !== undefined) headers.set(TENANT_ID_HEADER, poison.header);
    await infra.bus.nc
      .jetstream()
      .publish(infra.naming.subject(subject), poison.body, { headers, timeout: 10_000 });
  };
  /** Waits for the dead letters of `poisons` and returns `marker → reason`. */
  const reasonsOf = async (poisons: Poison[]) => {
    const letters = await waitFor(
      async () => {
        const all = await readStream(infra.bus.nc, infra.naming.stream(DEAD_LETTER_TOKEN), 0);
        const mine = poisons.map((poison) =>
          all.find((letter) => JSON.stringify(letter.data).includes(poison.marker)),
        );
        return mine.every(Boolean) ? all : undefined;
      },
      { timeoutMs: 30_000, what: 'every poison dead-lettered' },
    );
    return Object.fromEntries(
      poisons.map((poison) => {
        const found = letters.filter((letter) =>
          JSON.stringify(letter.data).includes(poison.marker),
        );
        return [poison.marker, found.map((letter) => letter.headers['x-dead-letter-reason'])];
      }),
    );
  };
  const backlogOf = async (stream: string, durable: string) => {
    const info = await (
      await infra.bus.nc.jetstreamManager()
    ).consumers.info(infra.naming.stream(stream), durable);
    return [info.num_pending, info.num_ack_pending];
  };

  it('usage stream: every kind of poison dead-lettered with its reason, good events counted exactly', async () => {
    const event = (marker: string, extra: Record<string, unknown> = {}) =>
      codec.encode({ ...usageEvent({ id: marker }), ...extra });
    const poisons: Poison[] = [
      {
        marker: 'u-not-json',
        header: good.id,
        body: text('{"id": "u-not-json", '),
        reason: 'PAYLOAD_NOT_JSON',
      },
      {
        marker: 'u-invalid',
        header: good.id,
        body: event('u-invalid', { time: 'yesterday' }),
        reason: 'PAYLOAD_INVALID',
      },
      {
        marker: 'u-no-header',
        header: undefined,
        body: event('u-no-header'),
        reason: 'TENANT_HEADER_MISSING',
      },
      {
        marker: 'u-empty-header',
        header: '',
        body: event('u-empty-header'),
        reason: 'TENANT_HEADER_MISSING',
      },
      {
        marker: 'u-bad-header',
        header: 'tenant-1',
        body: event('u-bad-header'),
        reason: 'TENANT_HEADER_MALFORMED',
      },
      {
        marker: 'u-mismatch',
        header: good.id,
        body: event('u-mismatch', { tenantId: other.id }),
        reason: 'TENANT_MISMATCH',
      },
      {
        marker: 'u-unknown',
        header: randomUUID(),
        body: event('u-unknown'),
        reason: 'TENANT_UNKNOWN',
      },
      { marker: 'u-purged', header: purged.id, body: event('u-purged'), reason: 'TENANT_UNKNOWN' },
      {
        marker: 'u-huge',
        header: good.id,
        body: event('u-huge', { data: { value: 1, pad: 'x'.repeat(HUGE - 300) } }),
        reason: 'PAYLOAD_TOO_LARGE',
      },
    ];
    for (const poison of poisons) {
      await publishGood();
      await publishPoison('usage.events.api.requests', poison);
    }
    await publishGood();
    const reasons = await reasonsOf(poisons);
    expect(reasons).toEqual(Object.fromEntries(poisons.map((p) => [p.marker, [p.reason]])));
    await waitFor(
      async () =>
        (await infra.count('select count(*)::int as n from usage_event where tenant_id = $1', [
          good.id,
        ])) === goodEvents,
      { what: 'every good event counted' },
    );
    expect(
      await infra.count('select count(*)::int as n from usage_event where tenant_id <> $1', [
        good.id,
      ]),
    ).toBe(0);
    await waitFor(async () => (await backlogOf(USAGE_STREAM, 'usage-ingest')).join() === '0,0', {
      what: 'usage consumer drained',
    });
    // The huge body is kept up to the limit, with its real size, so it can be inspected.
    const letters = await readStream(infra.bus.nc, infra.naming.stream(DEAD_LETTER_TOKEN), 0);
    const huge = letters.find((letter) => JSON.stringify(letter.data).includes('u-huge'));
    expect(Number(huge?.headers['x-dead-letter-truncated'])).toBeGreaterThan(MAX_MESSAGE_BYTES);
    console.log('usage poisons:', JSON.stringify({ poisons: poisons.length, goodEvents }));
  });

  it('lifecycle stream: poison dead-lettered with its reason, good lifecycle events still applied', async () => {
    const snapshot = (marker: string) => {
      const event = lifecycleEvent(
        { entry: { ...good.entry, slug: marker, version: 1 }, apiKey: good.apiKey },
        'tenant.updated',
      );
      return event;
    };
    const poisons: Poison[] = [
      {
        marker: 'l-not-json',
        header: good.id,
        body: text('not json l-not-json'),
        reason: 'PAYLOAD_NOT_JSON',
      },
      {
        marker: 'l-invalid',
        header: good.id,
        body: codec.encode({ ...snapshot('l-invalid'), specversion: '0.3' }),
        reason: 'PAYLOAD_INVALID',
      },
      {
        marker: 'l-bad-header',
        header: 'tenant-1',
        body: codec.encode(snapshot('l-bad-header')),
        reason: 'TENANT_HEADER_MALFORMED',
      },
      {
        marker: 'l-mismatch',
        header: other.id,
        body: codec.encode(snapshot('l-mismatch')),
        reason: 'TENANT_MISMATCH',
      },
      {
        marker: 'l-huge',
        header: good.id,
        body: codec.encode({ ...snapshot('l-huge'), pad: 'x'.repeat(HUGE - 2_000) }),
        reason: 'PAYLOAD_TOO_LARGE',
      },
    ];
    for (const [index, poison] of poisons.entries()) {
      await publishPoison('tenant.updated', poison);
      // A real change between poisons: applied (the harness waits for the new version).
      await good.change('tenant.updated', { limits: { api_calls: 1_000 + index } });
    }
    const reasons = await reasonsOf(poisons);
    expect(reasons).toEqual(Object.fromEntries(poisons.map((p) => [p.marker, [p.reason]])));
    await waitFor(
      async () =>
        (await backlogOf(TENANT_EVENTS_STREAM, 'usage-service-lifecycle')).join() === '0,0',
      { what: 'lifecycle consumer drained' },
    );
    // Nothing a poison carried was applied: the tenant is at the registry's last version.
    const [state] = await infra.db.query<{ version: number }>(
      'select version from tenant_state where tenant_id = $1',
      [good.id],
    );
    expect(state.version).toBe(1 + poisons.length);
  });

  it('usage stream: a message the service dies on every time ends in the dead-letter stream (MAX_DELIVERIES)', async () => {
    const consumerInfo = async () =>
      (await infra.bus.nc.jetstreamManager()).consumers.info(
        infra.naming.stream(USAGE_STREAM),
        'usage-ingest',
      );
    // The handler cannot finish while this lock is held: each delivery hangs, and we kill the
    // process in the middle of it — a message that crashes its consumer, deterministically.
    const locker = new Client({ connectionString: infra.db.ownerUrl });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table usage_event in access exclusive mode');
    const doomed = usageEvent({ id: 'crasher' });
    const delivered = (await consumerInfo()).delivered.consumer_seq;
    await infra.publish(good.id, [doomed]);
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      await waitFor(
        async () => (await consumerInfo()).delivered.consumer_seq >= delivered + attempt,
        {
          timeoutMs: 20_000,
          what: `delivery ${attempt}`,
        },
      );
      service?.child.kill('SIGKILL');
      await service?.stop();
      if (attempt === 1) service = await startServiceProcess('usage-service', env());
    }
    await locker.query('commit');
    await locker.end();
    service = await startServiceProcess('usage-service', env());
    const reasons = await reasonsOf([
      { marker: 'crasher', header: good.id, body: new Uint8Array(), reason: 'MAX_DELIVERIES' },
    ]);
    expect(reasons).toEqual({ crasher: ['MAX_DELIVERIES'] });
    // Never counted, and the stream flows on.
    await publishGood();
    await waitFor(
      async () =>
        (await infra.count('select count(*)::int as n from usage_event where tenant_id = $1', [
          good.id,
        ])) === goodEvents,
      { what: 'a later good event counted' },
    );
    expect(
      await infra.count('select count(*)::int as n from usage_event where event_id = $1', [
        'crasher',
      ]),
    ).toBe(0);
    expect(await backlogOf(USAGE_STREAM, 'usage-ingest')).toEqual([0, 0]);
  }, 120_000);
});
