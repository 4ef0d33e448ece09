import type { Logger } from "pino";

/** How a run is read back, and what to log when another instance settled it. */
export interface SettledElsewhere<Row> {
  /** The run as the database holds it now. */
  read(): Promise<Row | undefined>;
  /** Whether another instance settled it (canceled, concluded), so the work here must stop. */
  settled(row: Row): boolean;
  /** Logged with `aborting` when it was settled elsewhere. */
  describe(row: Row): Record<string, unknown>;
  aborting: string;
  /** Logged when the read itself fails (the watch keeps polling). */
  readFailed: string;
}

/**
 * Polls the run's row every `pollMs` and aborts `controller` once another instance settled it: a
 * cancel processed elsewhere can only reach this instance through the database. One read at a
 * time; returns the function that stops the polling.
 */
export function abortWhenSettledElsewhere<Row>(
  watch: SettledElsewhere<Row>,
  controller: AbortController,
  log: Logger,
  pollMs: number,
): () => void {
  let reading = false;
  const timer = setInterval(async () => {
    if (reading || controller.signal.aborted) return;
    reading = true;
    try {
      const current = await watch.read();
      if (current && watch.settled(current)) {
        log.info(watch.describe(current), watch.aborting);
        controller.abort(new Error("canceled"));
      }
    } catch (error) {
      log.warn({ err: error }, watch.readFailed);
    } finally {
      reading = false;
    }
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
