const started = performance.now();

/** A progress line on stderr, stamped with the time since the benchmark began. */
export function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[${seconds} s] ${message}\n`);
}
