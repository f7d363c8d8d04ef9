import { TENANT_ID_HEADER } from '@tenantbus/contracts';
import { headers as natsHeaders, JSONCodec } from 'nats';
import {
  usageEvent,
  type TestTenant,
  type UsageInfra,
} from '../../apps/usage-service/test/usage-service.harness';

const codec = JSONCodec<unknown>();

export interface Totals {
  readonly events: number;
  readonly sum: number;
}

/**
 * Publishes `count` usage events round-robin over `tenants` (values 1…10) and returns what each
 * tenant must then total. A bounded window of unacknowledged publishes: a loaded machine then
 * slows down instead of failing.
 */
export async function publishUsageBacklog(
  infra: UsageInfra,
  tenants: readonly TestTenant[],
  count: number,
): Promise<Map<string, Totals>> {
  const expected = new Map<string, Totals>();
  const js = infra.bus.nc.jetstream();
  const subject = infra.naming.subject('usage.events.api.requests');
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const tenant = tenants[i % tenants.length];
    const value = (i % 10) + 1;
    const totals = expected.get(tenant.id) ?? { events: 0, sum: 0 };
    expected.set(tenant.id, { events: totals.events + 1, sum: totals.sum + value });
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, tenant.id);
    pending.push(
      js.publish(subject, codec.encode(usageEvent({ data: { value } })), {
        headers,
        timeout: 30_000,
      }),
    );
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return expected;
}

/** What usage-service recorded for a tenant: events, the period sum and the rolled-up count. */
export async function recordedTotals(
  infra: UsageInfra,
  tenantId: string,
): Promise<{ events: number; sum: number; rolled: number }> {
  const [row] = await infra.db.query<{ events: number; sum: number; rolled: number }>(
    `select (select count(*)::int from usage_event where tenant_id = $1) as events,
            (select value_sum::int from usage_period where tenant_id = $1 and meter = 'api.requests') as sum,
            (select sum(event_count)::int from usage_rollup where tenant_id = $1) as rolled`,
    [tenantId],
  );
  return row;
}
