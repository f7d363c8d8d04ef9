import { Counter, Gauge, Histogram, register as globalRegistry } from 'prom-client';
import { MetricsRegistry } from '../src/metrics';

describe('MetricsRegistry', () => {
  it('creates a metric once and returns the same one afterwards', () => {
    const metrics = new MetricsRegistry({ serviceName: 's' });
    const backlog = metrics.gauge('outbox_backlog', 'Unpublished outbox rows.', ['topic']);
    expect(backlog).toBeInstanceOf(Gauge);
    expect(metrics.gauge('outbox_backlog', 'Unpublished outbox rows.', ['topic'])).toBe(backlog);
    expect(metrics.counter('relayed_total', 'Relayed.', ['a', 'b'])).toBe(
      metrics.counter('relayed_total', 'Relayed.', ['b', 'a']),
    );
    expect(metrics.counter('relayed_total', 'Relayed.', ['a', 'b'])).toBeInstanceOf(Counter);
    expect(metrics.histogram('relay_seconds', 'Relay time.')).toBeInstanceOf(Histogram);
  });

  it('refuses the same name with another kind or other labels', () => {
    const metrics = new MetricsRegistry({ serviceName: 's' });
    metrics.counter('jobs_total', 'Jobs.', ['kind']);
    expect(() => metrics.gauge('jobs_total', 'Jobs.', ['kind'])).toThrow(/already registered/);
    expect(() => metrics.counter('jobs_total', 'Jobs.', ['queue'])).toThrow(/already registered/);
    expect(() => metrics.counter('process_cpu_user_seconds_total', 'Clash.')).toThrow();
  });

  it('exposes its metrics with the service label and leaves the global registry alone', async () => {
    const metrics = new MetricsRegistry({ serviceName: 'relay' });
    metrics.gauge('outbox_backlog', 'Unpublished outbox rows.', [], {
      collect() {
        this.set(7);
      },
    });
    metrics.counter('relayed_total', 'Relayed.', ['topic']).inc({ topic: 'orders' }, 3);
    metrics.histogram('relay_seconds', 'Relay time.', [], { buckets: [0.1, 1] }).observe(0.5);

    const text = await metrics.exposition();
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain('outbox_backlog{service="relay"} 7');
    expect(text).toContain('relayed_total{topic="orders",service="relay"} 3');
    expect(text).toContain('relay_seconds_bucket{le="1",service="relay"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="relay"\} /m);
    expect(globalRegistry.getSingleMetric('outbox_backlog')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('lets two registries in one process use the same names', () => {
    const a = new MetricsRegistry({ serviceName: 'a' });
    const b = new MetricsRegistry({ serviceName: 'b' });
    expect(a.counter('same_total', 'Same.')).not.toBe(b.counter('same_total', 'Same.'));
  });
});
