import { AsyncLocalStorage } from "node:async_hooks";

const signals = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` (a job) so that the calls to Vercel it makes stop when `signal` aborts: an attempt in
 * flight is cut and no retry follows. Without it, a stopping process waited on a call's timeout
 * and backoff (up to a minute) after its grace had run out.
 */
export function withCallSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return signals.run(signal, work);
}

/** The signal of the work calling Vercel now, if it runs under `withCallSignal`. */
export function callSignal(): AbortSignal | undefined {
  return signals.getStore();
}

/** One attempt's signal: its timeout, and the surrounding work's signal when there is one. */
export function attemptSignal(timeoutMs: number, stop: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return stop ? AbortSignal.any([timeout, stop]) : timeout;
}
