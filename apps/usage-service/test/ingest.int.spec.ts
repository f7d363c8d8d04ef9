import { waitFor } from '@tenantbus/testing';
import { JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import {
  startUsageService,
  usageEvent,
  type DeadLetter,
  type UsageServiceHarness,
} from './usage-service.harness';

const codec = JSONCodec<unknown>();
const idOf = (letter: DeadLetter) => (typeof letter.body === 'string' ? undefined : letter.body.id);

describe('usage ingest from the stream: exactly once, poison dead-lettered with a reason (real NATS + Postgres)', () => {
  let h: UsageServiceHarness;

  beforeAll(async () => {
    h = await startUsageService();
  });

  afterAll(async () => {
    await h?.close();
  });

  const eventsOf = (tenantId: string) =>
    h.count('select count(*)::int as n from usage_event where tenant_id = $1', [tenantId]);
  const sumOf = (tenantId: string, meter: string) =>
    h.count(
      'select coalesce(sum(value_sum), 0)::int as n from usage_rollup where tenant_id = $1 and meter = $2',
      [tenantId, meter],
    );

  it('counts a redelivered or re-sent event once', async () => {
    const tenant = await h.tenant();
    const once = usageEvent({ data: { value: 5 } });
    const other = usageEvent({ data: { value: 2 } });
    await h.publish(tenant.id, [once, once, other, once]);
    await waitFor(async () => ((await eventsOf(tenant.id)) === 2 ? true : undefined));
    // A later batch repeating the id (a publisher retry after its ack was lost).
    await h.publish(tenant.id, [once]);
    const marker = usageEvent({ data: { value: 1 } });
    await h.publish(tenant.id, [marker]);
    await waitFor(async () => ((await eventsOf(tenant.id)) === 3 ? true : undefined));
    expect(await sumOf(tenant.id, 'api.requests')).toBe(8);
    expect(
      await h.count(
        'select value_sum::int as n from usage_period where tenant_id = $1 and meter = $2',
        [tenant.id, 'api.requests'],
      ),
    ).toBe(8);
  });

  it('dead-letters each poison event with its reason while the rest of the batch counts', async () => {
    const tenant = await h.tenant();
    const day = 86_400_000;
    const poison = {
      unknownMeter: usageEvent({ type: 'no.such.meter' }),
      negative: usageEvent({ data: { value: -1 } }),
      nonNumeric: usageEvent({ data: { value: 'lots' } }),
      tooOld: usageEvent({ time: new Date(Date.now() - 40 * day).toISOString() }),
      future: usageEvent({ time: new Date(Date.now() + 3_600_000).toISOString() }),
    };
    const good = Array.from({ length: 20 }, (_, i) => usageEvent({ data: { value: i + 1 } }));
    const noHeader = usageEvent();
    await h.publish(tenant.id, [...good.slice(0, 10), ...Object.values(poison), ...good.slice(10)]);
    await h.publish(null, [noHeader]);
    await h.publishRaw(tenant.id, 'usage.events.api.requests', new TextEncoder().encode('{oops'));
    await h.publishRaw(tenant.id, 'usage.events.api.requests', codec.encode({ id: 'x' }));
    await waitFor(async () => ((await eventsOf(tenant.id)) === 20 ? true : undefined));
    expect(await sumOf(tenant.id, 'api.requests')).toBe(210);

    const mine = new Set([...Object.values(poison), noHeader].map((event) => event.id));
    const letters = await waitFor(async () => {
      const all = await h.deadLetters(1);
      const relevant = all.filter((letter) =>
        typeof letter.body === 'string'
          ? letter.body === '{oops'
          : mine.has(letter.body.id as string) || letter.body.id === 'x',
      );
      return relevant.length >= 8 ? relevant : undefined;
    });
    const reasonOf = (id: string) => letters.find((letter) => idOf(letter) === id)?.reason;
    expect(reasonOf(poison.unknownMeter.id)).toBe('METER_UNKNOWN');
    expect(reasonOf(poison.negative.id)).toBe('VALUE_INVALID');
    expect(reasonOf(poison.nonNumeric.id)).toBe('VALUE_INVALID');
    expect(reasonOf(poison.tooOld.id)).toBe('TIME_TOO_OLD');
    expect(reasonOf(poison.future.id)).toBe('TIME_IN_FUTURE');
    expect(reasonOf(noHeader.id)).toBe('TENANT_HEADER_MISSING');
    expect(letters.map((letter) => letter.reason)).toEqual(
      expect.arrayContaining(['PAYLOAD_NOT_JSON', 'PAYLOAD_INVALID']),
    );
    expect(
      await h.count('select count(*)::int as n from usage_event where event_id = any($1)', [
        [...mine],
      ]),
    ).toBe(0);
  });

  it('records events of a suspended tenant, flagged; dead-letters those of a deleted one', async () => {
    const tenant = await h.tenant();
    await tenant.change('tenant.suspended', { status: 'suspended' });
    const whileSuspended = usageEvent({ data: { value: 3 } });
    await h.publish(tenant.id, [whileSuspended]);
    await waitFor(async () => ((await eventsOf(tenant.id)) === 1 ? true : undefined));
    expect(
      await h.db.query('select flag from usage_event where tenant_id = $1', [tenant.id]),
    ).toEqual([{ flag: 'tenant_suspended' }]);

    await tenant.change('tenant.deleted', { status: 'deleted' });
    const afterDelete = usageEvent({ id: `deleted-${randomUUID()}` });
    await h.publish(tenant.id, [afterDelete]);
    const letter = await waitFor(async () =>
      (await h.deadLetters(1)).find((l) => idOf(l) === afterDelete.id),
    );
    expect(letter.reason).toBe('TENANT_DELETED');
    expect(await eventsOf(tenant.id)).toBe(1);
  });

  it('dead-letters events for a tenant the registry does not know', async () => {
    const stranger = randomUUID();
    const event = usageEvent();
    await h.publish(stranger, [event]);
    const letter = await waitFor(async () =>
      (await h.deadLetters(1)).find((l) => idOf(l) === event.id),
    );
    expect(letter.reason).toBe('TENANT_UNKNOWN');
  });
});
