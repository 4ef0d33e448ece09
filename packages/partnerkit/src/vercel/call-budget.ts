import { AsyncLocalStorage } from "node:async_hooks";

/**
 * How long calls to Vercel may take in all, retries included, while a Partner API request waits
 * on them. Vercel's timeout for partner calls is not documented; its webhooks give up after 30 s
 * (spec §6.3), and an answer well inside that leaves Vercel room for its own retry.
 */
export const INBOUND_CALL_BUDGET_MS = 10_000;

interface Budget {
  deadline: number;
  /** False once the request has been answered: work it left running is background work. */
  open: boolean;
}

const budgets = new AsyncLocalStorage<Budget>();

/** Runs `handle` (a Partner API request) with its calls to Vercel bounded by `budgetMs` in all. */
export async function withInboundCallBudget<T>(
  handle: () => Promise<T>,
  budgetMs = INBOUND_CALL_BUDGET_MS,
): Promise<T> {
  const budget: Budget = { deadline: Date.now() + budgetMs, open: true };
  try {
    return await budgets.run(budget, handle);
  } finally {
    budget.open = false;
  }
}

/** When calls made now must be done by, in ms since the epoch; undefined outside a request. */
export function inboundCallDeadline(): number | undefined {
  const budget = budgets.getStore();
  return budget?.open ? budget.deadline : undefined;
}
