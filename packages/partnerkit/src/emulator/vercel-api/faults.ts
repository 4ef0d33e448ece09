import { errorBody } from "./errors.ts";

/**
 * One programmed misbehaviour of the Vercel API fake.
 *
 * ```ts
 * faults.add({ method: "PATCH", path: /\/actions\//, status: 429, retryAfterSeconds: 1, times: 2 });
 * faults.add({ path: "/billing/invoices", status: 500, times: 1 });
 * faults.add({ delayMs: 200 }); // every call, until cleared
 * ```
 *
 * - `method`, `path`, `installationId` select the calls (all when omitted). `path` is a RegExp
 *   tested against the URL path, or a string the path must contain (JSON scenarios use strings).
 * - `delayMs` waits before answering; alone it only slows the call, which is then served.
 * - `status` answers with that status instead of serving the call; `retryAfterSeconds` adds a
 *   `Retry-After` header; `body` replaces the default `{ error: { code, message } }`.
 * - `times` is how many matching calls the rule takes; without it the rule stays until `clear()`.
 * - `withinMsOfProvisioning` selects only calls on a resource Vercel set up (provisioned, or gave
 *   an Edge Config) less than that many ms ago: see `provisioningNotFinished`.
 *
 * Rules are consulted in the order they were added and the first one that matches takes the
 * call, so `add(429 ×2)` then `add(500 ×1)` on the same route gives 429, 429, 500, then success.
 */
export interface FaultRule {
  method?: string;
  path?: RegExp | string;
  installationId?: string;
  status?: number;
  retryAfterSeconds?: number;
  body?: unknown;
  delayMs?: number;
  times?: number;
  withinMsOfProvisioning?: number;
}

export interface FaultCall {
  method: string;
  path: string;
  installationId?: string;
  /** How long ago Vercel set up the resource the path names; unknown for other paths. */
  resourceAgeMs?: number;
}

/**
 * Vercel still finishing its side of a new resource: its experimentation calls answer `status`
 * (404 or 409) until `ms` after the resource was provisioned or got its Edge Config. A partner
 * has to retry its first pushes (spec §15: one partner waits about a second before them).
 */
export function provisioningNotFinished(ms: number, status: 404 | 409 = 409): FaultRule {
  return {
    path: "/experimentation/",
    withinMsOfProvisioning: ms,
    status,
    body: errorBody(
      "provisioning_not_finished",
      "The resource is still being provisioned on Vercel's side; retry shortly",
    ),
  };
}

export const isProvisioningWindow = (rule: FaultRule) => rule.withinMsOfProvisioning !== undefined;

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

/** The faults programmed for a scenario, consumed as matching calls arrive. */
export class FaultPlan {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): this {
    this.rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  /** Takes the first rule matching the call, counting it down; undefined if none matches. */
  take(call: FaultCall): FaultRule | undefined {
    const index = this.rules.findIndex(({ rule }) => matches(rule, call));
    const active = this.rules[index];
    if (!active) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.rules.splice(index, 1);
    return active.rule;
  }

  /** The rules still waiting, with how many calls each will still take. */
  pending(): (Omit<FaultRule, "path"> & { path?: string; remaining: number | null })[] {
    return this.rules.map(({ rule, remaining }) => ({
      ...rule,
      path: rule.path instanceof RegExp ? String(rule.path) : rule.path,
      remaining: Number.isFinite(remaining) ? remaining : null,
    }));
  }

  /** Drops the rules `test` picks, e.g. to replace one. */
  remove(test: (rule: FaultRule) => boolean): void {
    this.rules = this.rules.filter(({ rule }) => !test(rule));
  }

  clear(): void {
    this.rules = [];
  }
}

function matches(rule: FaultRule, call: FaultCall): boolean {
  if (rule.method && rule.method.toUpperCase() !== call.method.toUpperCase()) return false;
  if (rule.installationId && rule.installationId !== call.installationId) return false;
  if (
    rule.withinMsOfProvisioning !== undefined &&
    !(call.resourceAgeMs !== undefined && call.resourceAgeMs < rule.withinMsOfProvisioning)
  ) {
    return false;
  }
  // `search` ignores `lastIndex`, so a /g pattern matches every time.
  if (rule.path instanceof RegExp) return call.path.search(rule.path) !== -1;
  if (typeof rule.path === "string") return call.path.includes(rule.path);
  return true;
}
