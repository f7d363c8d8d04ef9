export interface Sample {
  readonly name: string;
  readonly baseline?: string;
  /** Operations per second of each repetition. */
  readonly rates: number[];
}

export interface Summary {
  readonly name: string;
  readonly baseline?: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ratio?: number;
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

function median(values: number[]): number {
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
      median: value,
      min: Math.min(...sample.rates),
      max: Math.max(...sample.rates),
      ratio: base ? value / base : undefined,
    };
  });
}
