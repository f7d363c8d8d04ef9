import { SyncServiceConfigSchema } from '../src/config/sync-service.config';
import { SimulatedProvider } from '../src/sync/providers/simulated.provider';
import { SyncTiming } from '../src/sync/sync-timing';

const config = SyncServiceConfigSchema.parse({
  DATABASE_URL: 'postgres://unused/unused',
  CREDENTIALS_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
  SYNC_PLAN_INTERVALS_MS: 'free:60000,pro:10000',
  SYNC_DEFAULT_INTERVAL_MS: '120000',
  SYNC_JITTER_RATIO: '0.5',
  SYNC_RETRY_BASE_MS: '1000',
  SYNC_RETRY_MAX_MS: '5000',
  SYNC_SIMULATED_HISTORY_DAYS: '9',
});

describe('SyncTiming', () => {
  const timing = new SyncTiming(config);
  const now = new Date('2025-01-01T00:00:00Z');

  it('takes the interval from the plan limit, else the plan table, else the default', () => {
    expect(timing.intervalFor({ code: 'pro', limits: { sync_interval_seconds: 5 } })).toBe(5_000);
    expect(timing.intervalFor({ code: 'pro', limits: { sync_interval_seconds: null } })).toBe(
      10_000,
    );
    expect(timing.intervalFor({ code: 'free', limits: {} })).toBe(60_000);
    expect(timing.intervalFor({ code: 'custom', limits: {} })).toBe(120_000);
  });

  it('adds up to the jitter ratio to the interval', () => {
    const delays = Array.from(
      { length: 200 },
      () => timing.nextRun(now, 10_000).getTime() - now.getTime(),
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(15_000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });

  it('backs off exponentially after failures, up to the maximum', () => {
    const base = (failures: number) => timing.retryAt(now, failures).getTime() - now.getTime();
    expect(base(1)).toBeGreaterThanOrEqual(1_000);
    expect(base(1)).toBeLessThanOrEqual(1_500);
    expect(base(3)).toBeGreaterThanOrEqual(4_000);
    expect(base(40)).toBeGreaterThanOrEqual(5_000);
    expect(base(40)).toBeLessThanOrEqual(7_500);
  });
});

describe('SimulatedProvider', () => {
  const clock = { now: () => new Date('2025-01-10T15:00:00Z') };
  const provider = new SimulatedProvider(clock, config);
  const account = { tenantId: 't', accountId: 'a-1', credentials: null };

  it('backfills the history in weekly batches, then refreshes today', async () => {
    const first = await provider.fetch(account, null);
    expect(first).toMatchObject({ nextCheckpoint: '2025-01-08', hasMore: true });
    expect(first.records).toHaveLength(7 * 4);
    expect(first.records[0].time.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    const second = await provider.fetch(account, first.nextCheckpoint);
    expect(second).toMatchObject({ nextCheckpoint: '2025-01-10', hasMore: false });
    expect(second.records).toHaveLength(3 * 4);
    const again = await provider.fetch(account, second.nextCheckpoint);
    expect(again.records.map((r) => r.time.toISOString().slice(0, 10))).toEqual(
      Array(4).fill('2025-01-10'),
    );
    expect(again.records).toEqual(second.records.slice(-4));
  });

  it('gives the same numbers for the same account, other numbers for another', async () => {
    const [one, same, other] = await Promise.all([
      provider.fetch(account, null),
      provider.fetch({ ...account, tenantId: 'other-tenant' }, null),
      provider.fetch({ ...account, accountId: 'a-2' }, null),
    ]);
    expect(same.records).toEqual(one.records);
    expect(other.records.map((r) => r.value)).not.toEqual(one.records.map((r) => r.value));
    for (const record of one.records) {
      if (record.metric === 'avg_occupancy_rate') expect(record.value).toBeLessThanOrEqual(1);
      else expect(Number.isInteger(record.value)).toBe(true);
    }
  });
});
