/**
 * How long calls to Vercel may take in all, retries included, while a Partner API request waits
 * on them. Vercel's timeout for partner calls is not documented; its webhooks give up after 30 s
 * (spec §6.3), and an answer well inside that leaves Vercel room for its own retry.
 */
export const INBOUND_CALL_BUDGET_MS = 10_000;

/**
 * What bounds the calls to Vercel that one piece of work makes. It is passed along explicitly
 * rather than through `AsyncLocalStorage`, whose promise hooks cost every promise in the process
 * (a fifth of the CPU of a webhook delivery on Node 20).
 */
export interface CallScope {
  /** A job's: once it aborts (the process is stopping), the attempt in flight is cut and no retry follows. */
  readonly signal?: AbortSignal;
  /** A Partner API request's, while it waits on the calls. */
  readonly budget?: InboundCallBudget;
}

/** The time a Partner API request's calls to Vercel have in all, retries included. */
export class InboundCallBudget {
  private readonly deadline: number;
  private open = true;

  constructor(budgetMs = INBOUND_CALL_BUDGET_MS) {
    this.deadline = Date.now() + budgetMs;
  }

  /** The request has been answered: work it left running is background work from now on. */
  close(): void {
    this.open = false;
  }

  /** When calls made now must be done by, in ms since the epoch; undefined once closed. */
  currentDeadline(): number | undefined {
    return this.open ? this.deadline : undefined;
  }
}

/** One attempt's signal: its timeout, and the surrounding work's signal when there is one. */
export function attemptSignal(timeoutMs: number, stop: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return stop ? AbortSignal.any([timeout, stop]) : timeout;
}
