export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Collects response times in milliseconds at full precision (autocannon's own histogram rounds
 * to whole milliseconds, too coarse for sub-10 ms latencies).
 */
export class LatencyRecorder {
  #samples: number[] = [];

  record(ms: number): void {
    this.#samples.push(ms);
  }

  get count(): number {
    return this.#samples.length;
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.#samples).sort();
    if (sorted.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
    let total = 0;
    for (const sample of sorted) total += sample;
    return {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? 0,
      mean: total / sorted.length,
    };
  }
}

/** Nearest-rank percentile of an ascending, non-empty array. */
function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}
