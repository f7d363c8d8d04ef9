import { UsageEventSchema, type UsageEvent } from '@tenantbus/contracts';
import type { BatchItem, DeliveredMessage } from '@tenantbus/tenant-context';
import { TenantContext } from '@tenantbus/tenant-context';
import { UsageIngestService } from '../src/ingest/usage-ingest.service';
import { startUsageService, usageEvent, type UsageServiceHarness } from './usage-service.harness';

/**
 * The writer folds a group's contributions in the service and applies them only when every event
 * of the group was new; these cases go through the fallback (some or all duplicates) on purpose.
 */
describe('usage ingest writer: pre-folded aggregates stay exact under duplicates (real Postgres)', () => {
  let h: UsageServiceHarness;
  let ingest: UsageIngestService;
  let context: TenantContext;

  beforeAll(async () => {
    h = await startUsageService({ USAGE_INGEST_ENABLED: 'false' });
    ingest = h.app.get(UsageIngestService);
    context = h.app.get(TenantContext);
  });

  afterAll(async () => {
    await h?.close();
  });

  const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
  const at = (second: number) => new Date(minute.getTime() + second * 1_000).toISOString();
  const events = [
    usageEvent({ data: { value: 3, route: '/a' }, time: at(1) }),
    usageEvent({ data: { value: 4, route: '/b' }, time: at(2) }),
    usageEvent({ type: 'users.seen', data: { user: 'u1' }, time: at(3) }),
    usageEvent({ type: 'storage.snapshot', data: { value: 100 }, time: at(10) }),
    usageEvent({ type: 'api.concurrency', data: { value: 7 }, time: at(4) }),
    // Second batch: new ones among duplicates.
    usageEvent({ data: { value: 5, route: '/a' }, time: at(5) }),
    usageEvent({ type: 'users.seen', data: { user: 'u2' }, time: at(6) }),
    usageEvent({ type: 'users.seen', data: { user: 'u1' }, time: at(7) }),
    usageEvent({ type: 'storage.snapshot', data: { value: 50 }, time: at(5) }),
    usageEvent({ type: 'api.concurrency', data: { value: 9 }, time: at(8) }),
  ].map((event) => UsageEventSchema.parse(event));
  const delivered = { subject: 'x', streamSequence: 1, deliveryCount: 1 } as DeliveredMessage;
  const write = (tenantId: string, batch: UsageEvent[]) =>
    context.runWithTenant(tenantId, () =>
      ingest.ingest(
        batch.map((payload): BatchItem<UsageEvent> => ({ payload, message: delivered })),
      ),
    );
  const period = (tenantId: string, meter: string) =>
    h.db.query<{
      event_count: number;
      value_sum: number;
      value_max: number;
      latest_value: number;
      unique_count: number;
    }>(
      `select event_count::int, value_sum::float8, value_max::float8, latest_value::float8,
        unique_count::int from usage_period where tenant_id = $1 and meter = $2`,
      [tenantId, meter],
    );
  const rollups = (tenantId: string, meter: string) =>
    h.db.query<{ group_key: string; event_count: number; value_sum: number }>(
      `select group_key, sum(event_count)::int as event_count, sum(value_sum)::float8 as value_sum
        from usage_rollup where tenant_id = $1 and meter = $2 group by group_key order by group_key`,
      [tenantId, meter],
    );

  it('counts only the new events of a group that repeats some, and nothing of one that repeats all', async () => {
    const tenant = await h.tenant();
    await write(tenant.id, events.slice(0, 5));
    // Duplicates first, so the group's first statement finds some events already recorded.
    await write(tenant.id, [events[1], events[3], ...events.slice(5), events[0]]);
    await write(tenant.id, events.slice(0, 4));

    expect(
      await h.count('select count(*)::int as n from usage_event where tenant_id = $1', [tenant.id]),
    ).toBe(10);
    expect(await rollups(tenant.id, 'api.requests')).toEqual([
      { group_key: '{"route":"/a"}', event_count: 2, value_sum: 8 },
      { group_key: '{"route":"/b"}', event_count: 1, value_sum: 4 },
    ]);
    expect(await period(tenant.id, 'api.requests')).toEqual([
      expect.objectContaining({ event_count: 3, value_sum: 12, value_max: 5 }),
    ]);
    // u1 twice, u2 once: two distinct users in the month.
    expect(await period(tenant.id, 'users.active')).toEqual([
      expect.objectContaining({ event_count: 3, unique_count: 2 }),
    ]);
    // LATEST by event time, not arrival: the snapshot at :10 wins over the later-sent one at :05.
    expect(await period(tenant.id, 'storage.bytes')).toEqual([
      expect.objectContaining({ event_count: 2, latest_value: 100 }),
    ]);
    expect(await period(tenant.id, 'api.concurrency_peak')).toEqual([
      expect.objectContaining({ value_max: 9 }),
    ]);
  });

  it("keeps another tenant's same event ids apart: its own counts, none of the first tenant's", async () => {
    const first = await h.tenant();
    const second = await h.tenant();
    await write(first.id, events.slice(0, 5));
    await write(second.id, [events[0], events[5]]);
    expect(await period(second.id, 'api.requests')).toEqual([
      expect.objectContaining({ event_count: 2, value_sum: 8 }),
    ]);
    expect(await period(first.id, 'api.requests')).toEqual([
      expect.objectContaining({ event_count: 2, value_sum: 7 }),
    ]);
    expect(await period(second.id, 'users.active')).toEqual([]);
  });
});
