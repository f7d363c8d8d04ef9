import { waitFor } from '@tenantbus/testing';
import {
  createUsageInfra,
  startUsageService,
  usageEvent,
  type DeadLetter,
  type TestTenant,
  type UsageInfra,
  type UsageServiceHarness,
} from './usage-service.harness';

const TABLES = [
  'usage_event',
  'usage_rollup',
  'usage_unique',
  'usage_period',
  'usage_period_unique',
  'usage_threshold',
];
const idOf = (letter: DeadLetter) => (typeof letter.body === 'string' ? undefined : letter.body.id);

describe('tenant purge erases usage; billing totals kept unless configured (real NATS + Postgres)', () => {
  let infra: UsageInfra;
  let h: UsageServiceHarness;

  beforeAll(async () => {
    infra = await createUsageInfra();
  });

  afterAll(async () => {
    await infra?.close();
  });

  afterEach(async () => {
    await h?.close();
  });

  const rows = async (tenant: TestTenant): Promise<Record<string, number>> =>
    Object.fromEntries(
      await Promise.all(
        TABLES.map(async (table) => [
          table,
          await infra.count(`select count(*)::int as n from ${table} where tenant_id = $1`, [
            tenant.id,
          ]),
        ]),
      ),
    );
  const withUsage = async () => {
    const tenant = await infra.tenant({ api_calls: 2, active_users: 1 });
    await infra.publish(tenant.id, [
      usageEvent({ data: { value: 3 } }),
      usageEvent({ type: 'users.seen', data: { user: 'u1' } }),
    ]);
    await waitFor(async () =>
      Object.values(await rows(tenant)).every((n) => n > 0) ? true : undefined,
    );
    return tenant;
  };

  it('erases events, rollups, distinct sets and alerts of the purged tenant only, keeping the monthly totals', async () => {
    h = await startUsageService({}, infra);
    const purged = await withUsage();
    const kept = await withUsage();
    const before = await rows(kept);
    await purged.change('tenant.deleted', { status: 'deleted' });
    await purged.change('tenant.purged', { status: 'deleted' });
    expect(await rows(purged)).toEqual({
      usage_event: 0,
      usage_rollup: 0,
      usage_unique: 0,
      usage_period: 2,
      usage_period_unique: 0,
      usage_threshold: 0,
    });
    expect(await rows(kept)).toEqual(before);
    const late = usageEvent();
    await infra.publish(purged.id, [late]);
    const letter = await waitFor(async () =>
      (await infra.deadLetters(1)).find((l) => idOf(l) === late.id),
    );
    expect(['TENANT_UNKNOWN', 'TENANT_DELETED']).toContain(letter.reason);
    expect(await rows(purged)).toMatchObject({ usage_event: 0 });
  });

  it('erases the billing totals too with USAGE_PURGE_KEEP_BILLING_TOTALS=false', async () => {
    h = await startUsageService({ USAGE_PURGE_KEEP_BILLING_TOTALS: 'false' }, infra);
    const purged = await withUsage();
    await purged.change('tenant.purged', { status: 'deleted' });
    expect(Object.values(await rows(purged))).toEqual(TABLES.map(() => 0));
  });
});
