export interface Sample {
  readonly name: string;
  readonly baseline?: string;
  /** Operations per second of each repetition (or values in `unit`). */
  readonly rates: number[];
  /** What `rates` count when not operations per second (e.g. `MB`, `ms`). */
  readonly unit?: string;
  /** Per-operation latency percentiles of each repetition, in milliseconds. */
  readonly latency?: { readonly p50: number[]; readonly p99: number[] };
}

export interface Summary {
  readonly name: string;
  readonly baseline?: string;
  readonly unit?: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ratio?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** Runs `round` once to warm up, then `repetitions` timed times; each reports its operation count. */
export async function measure(
  name: string,
  repetitions: number,
  round: () => Promise<number>,
  baseline?: string,
): Promise<Sample> {
  await round(); // warm-up: connections, JIT, caches
  const rates: number[] = [];
  for (let i = 0; i < repetitions; i += 1) {
    const started = process.hrtime.bigint();
    const operations = await round();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(operations / seconds);
  }
  return { name, baseline, rates };
}

export function percentile(sortedValues: number[], fraction: number): number {
  const index = Math.min(sortedValues.length - 1, Math.ceil(fraction * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)];
}

export interface LatencyOptions {
  repetitions: number;
  count: number;
  inFlight: number;
  baseline?: string;
  /** Operations of the untimed warm-up round (default: `count`). */
  warmup?: number;
}

/** One contender of `measureLatencyInterleaved`. */
export interface LatencyCase {
  readonly name: string;
  readonly baseline?: string;
  readonly operation: (i: number) => Promise<unknown>;
}

/**
 * Throughput and latency of `operation` with `inFlight` calls outstanding at all times: each
 * repetition runs `count` operations and records every one's duration.
 */
export async function measureLatency(
  name: string,
  options: LatencyOptions,
  operation: (i: number) => Promise<unknown>,
): Promise<Sample> {
  const [sample] = await measureLatencyInterleaved(
    [{ name, baseline: options.baseline, operation }],
    options,
  );
  return sample;
}

/**
 * `measureLatency` of several cases, their repetitions taking turns (A B C C B A …) so that a
 * change in the machine's load weighs on each alike. Each sample also carries this process's CPU
 * time per operation (`cpuMicros`): steadier than rates on a shared machine.
 */
export async function measureLatencyInterleaved(
  cases: readonly LatencyCase[],
  options: Omit<LatencyOptions, 'baseline'>,
): Promise<(Sample & { readonly cpuMicros: number[] })[]> {
  const round = async (operation: LatencyCase['operation'], count = options.count) => {
    const durations: number[] = [];
    let next = 0;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: options.inFlight }, async () => {
        while (next < count) {
          const i = next++;
          const t = process.hrtime.bigint();
          await operation(i);
          durations.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { user, system } = process.cpuUsage(cpu);
    return {
      rate: count / seconds,
      cpuMicros: (user + system) / count,
      durations: durations.sort((a, b) => a - b),
    };
  };
  for (const { operation } of cases) await round(operation, options.warmup); // warm-up
  const samples = cases.map(({ name, baseline }) => ({
    name,
    baseline,
    rates: [] as number[],
    cpuMicros: [] as number[],
    latency: { p50: [] as number[], p99: [] as number[] },
  }));
  for (let rep = 0; rep < options.repetitions; rep += 1) {
    // Every other repetition in reverse (A B C, C B A, …): whichever case runs first in a
    // repetition ran measurably slower (~10% between two identical databases), so no case
    // keeps that place.
    const order = [...cases.keys()];
    if (rep % 2) order.reverse();
    for (const index of order) {
      const { rate, cpuMicros, durations } = await round(cases[index].operation);
      const sample = samples[index];
      sample.rates.push(rate);
      sample.cpuMicros.push(cpuMicros);
      sample.latency.p50.push(percentile(durations, 0.5));
      sample.latency.p99.push(percentile(durations, 0.99));
    }
  }
  return samples;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Medians, spread, and the ratio to the baseline measured in the same run. */
export function summarize(samples: Sample[]): Summary[] {
  const medians = new Map(samples.map((sample) => [sample.name, median(sample.rates)]));
  return samples.map((sample) => {
    const base = sample.baseline ? medians.get(sample.baseline) : undefined;
    const value = medians.get(sample.name)!;
    return {
      name: sample.name,
      baseline: sample.baseline,
      unit: sample.unit,
      median: value,
      min: Math.min(...sample.rates),
      max: Math.max(...sample.rates),
      ratio: base ? value / base : undefined,
      p50Ms: sample.latency ? median(sample.latency.p50) : undefined,
      p99Ms: sample.latency ? median(sample.latency.p99) : undefined,
    };
  });
}

/** A goal from the issue next to what this run measured. */
export interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** The summary named `name` (a suite's targets read their own rows). */
export function row(summaries: Summary[], name: string): Summary {
  const found = summaries.find((summary) => summary.name === name);
  if (!found) throw new Error(`no benchmark row named ${name}`);
  return found;
}
