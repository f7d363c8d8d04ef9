import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@tenantbus/tenant-context';
import type { Counter, Histogram } from 'prom-client';

/**
 * The usage-service's own series. No tenant label anywhere (one series per tenant would grow
 * without bound); per-tenant usage is in SQL, for the Grafana "Tenant usage" dashboard.
 */
@Injectable()
export class UsageMetrics {
  readonly events: Counter<'outcome'>;
  readonly batchSize: Histogram;
  readonly deadLetters: Counter<'reason'>;
  readonly thresholds: Counter<'threshold'>;

  constructor(readonly registry: MetricsRegistry) {
    this.events = registry.counter(
      'tenantbus_usage_events_total',
      'Usage events handled by the ingest consumer, by outcome (accepted, duplicate, rejected)',
      ['outcome'],
    );
    this.batchSize = registry.histogram(
      'tenantbus_usage_ingest_batch_size',
      'Events per tenant group written in one transaction',
      [],
      { buckets: [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000] },
    );
    this.deadLetters = registry.counter(
      'tenantbus_usage_dead_letters_total',
      'Usage events dead-lettered, by reason',
      ['reason'],
    );
    this.thresholds = registry.counter(
      'tenantbus_usage_threshold_events_total',
      'Quota threshold alerts recorded (once per tenant, meter, period and threshold)',
      ['threshold'],
    );
  }
}
