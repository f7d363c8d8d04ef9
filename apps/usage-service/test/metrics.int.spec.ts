import { waitFor } from '@tenantbus/testing';
import { startUsageService, usageEvent, type UsageServiceHarness } from './usage-service.harness';

/** Reads one sample of the Prometheus text format; labels must match exactly (in any order). */
function sample(
  exposition: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    delete found.service;
    if (
      JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())
    )
      return Number(match[3]);
  }
  return undefined;
}

describe('usage-service /metrics: ingest, lag, dead letters, alerts, per-plan usage; no tenant labels', () => {
  let h: UsageServiceHarness;

  beforeAll(async () => {
    h = await startUsageService();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('exposes the series the dashboards use', async () => {
    const tenant = await h.tenant({ api_calls: 10 });
    await h.publish(tenant.id, [
      usageEvent({ data: { value: 4 } }),
      usageEvent({ data: { value: 8 } }),
      usageEvent({ type: 'no.such.meter' }),
    ]);
    const metrics = async () => (await h.call<string>('GET', '/metrics')).body;
    const text = await waitFor(async () => {
      const current = await metrics();
      return sample(current, 'tenantbus_usage_threshold_events_total', { threshold: '100' }) === 1
        ? current
        : undefined;
    });
    expect(sample(text, 'tenantbus_usage_events_total', { outcome: 'accepted' })).toBe(2);
    expect(sample(text, 'tenantbus_usage_events_total', { outcome: 'rejected' })).toBe(1);
    expect(sample(text, 'tenantbus_usage_dead_letters_total', { reason: 'METER_UNKNOWN' })).toBe(1);
    expect(sample(text, 'tenantbus_usage_threshold_events_total', { threshold: '80' })).toBe(1);
    expect(sample(text, 'tenantbus_usage_ingest_batch_size_count', {})).toBeGreaterThan(0);
    expect(sample(text, 'tenantbus_usage_consumer_pending', { state: 'pending' })).toBe(0);
    expect(
      sample(text, 'tenantbus_usage_period_total', { plan: 'free', meter: 'api.requests' }),
    ).toBe(12);
    expect(sample(text, 'tenantbus_usage_tenants', { plan: 'free', status: 'active' })).toBe(1);
    expect(text).not.toContain(tenant.id);
  });
});
