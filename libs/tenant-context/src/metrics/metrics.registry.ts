import { Inject, Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import { METRICS_OPTIONS, type MetricsModuleOptions } from './metrics.options';

type MetricKind = 'counter' | 'gauge' | 'histogram';
type Reserved = 'name' | 'help' | 'labelNames' | 'registers';

/** Extra prom-client settings a helper passes through (`buckets`, `collect`, ...). */
export type CounterExtras<T extends string> = Omit<CounterConfiguration<T>, Reserved>;
export type GaugeExtras<T extends string> = Omit<GaugeConfiguration<T>, Reserved>;
export type HistogramExtras<T extends string> = Omit<HistogramConfiguration<T>, Reserved>;

interface Entry {
  readonly kind: MetricKind;
  readonly labelNames: readonly string[];
  readonly metric: Counter<string> | Gauge<string> | Histogram<string>;
}

/**
 * This app's own prom-client registry. Never the global default one: several Nest apps share a
 * process in tests (and a second registration of a name in one registry throws), so each app
 * owns its registry and its series. Feature code asks for metrics here by name; asking twice
 * returns the same metric, asking with another kind or other labels is a bug and throws.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly entries = new Map<string, Entry>();

  constructor(@Inject(METRICS_OPTIONS) options: MetricsModuleOptions) {
    this.registry.setDefaultLabels({ service: options.serviceName });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The `Content-Type` of `exposition()` (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Everything this app exposes, in the Prometheus text format. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  counter<T extends string = never>(
    name: string,
    help: string,
    labelNames: readonly T[] = [],
    extras: CounterExtras<T> = {},
  ): Counter<T> {
    return this.getOrCreate(
      'counter',
      name,
      labelNames,
      () => new Counter<T>({ ...extras, name, help, labelNames, registers: [this.registry] }),
    );
  }

  gauge<T extends string = never>(
    name: string,
    help: string,
    labelNames: readonly T[] = [],
    extras: GaugeExtras<T> = {},
  ): Gauge<T> {
    return this.getOrCreate(
      'gauge',
      name,
      labelNames,
      () => new Gauge<T>({ ...extras, name, help, labelNames, registers: [this.registry] }),
    );
  }

  histogram<T extends string = never>(
    name: string,
    help: string,
    labelNames: readonly T[] = [],
    extras: HistogramExtras<T> = {},
  ): Histogram<T> {
    return this.getOrCreate(
      'histogram',
      name,
      labelNames,
      () => new Histogram<T>({ ...extras, name, help, labelNames, registers: [this.registry] }),
    );
  }

  private getOrCreate<M extends Entry['metric']>(
    kind: MetricKind,
    name: string,
    labelNames: readonly string[],
    create: () => M,
  ): M {
    const existing = this.entries.get(name);
    if (existing) {
      if (existing.kind !== kind || !sameLabels(existing.labelNames, labelNames)) {
        throw new Error(
          `Metric "${name}" is already registered as a ${existing.kind} with labels ` +
            `[${existing.labelNames.join(', ')}]; asked for a ${kind} with [${labelNames.join(', ')}]`,
        );
      }
      return existing.metric as M;
    }
    // Default metrics (process_*, nodejs_*) are not in `entries`; prom-client refuses the clash.
    const metric = create();
    this.entries.set(name, { kind, labelNames: [...labelNames], metric });
    return metric;
  }
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const sorted = (labels: readonly string[]) => [...labels].sort().join('\u0000');
  return sorted(a) === sorted(b);
}
