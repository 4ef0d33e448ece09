import type { BenchOptions } from "../options.ts";

/** What one benchmark hands back to `bench/run.ts`. */
export interface SuiteOutcome {
  /** Printed to stdout. */
  text: string;
  /** This benchmark's section of docs/benchmarks.md, between its markers. */
  markdown: string;
  /** Errors that make the run fail (non-2xx answers, connection errors) — not missed targets. */
  failures: string[];
}

/** One benchmark; each owns a section of docs/benchmarks.md named by its `id`. */
export interface BenchSuite {
  id: string;
  title: string;
  run(options: BenchOptions): Promise<SuiteOutcome>;
}
