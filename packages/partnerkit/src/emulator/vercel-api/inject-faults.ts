import { setTimeout as sleep } from "node:timers/promises";
import type { MiddlewareHandler } from "hono";
import type { VercelApiEnv } from "./context.ts";
import { errorBody } from "./errors.ts";
import type { FaultPlan } from "./faults.ts";
import { pathInstallationId } from "./record.ts";

/** A caller that hangs up during the delay is gone, as from a real server: nothing is done. */
const CALLER_GONE = new Response(null, { status: 499 });

/**
 * Applies the first programmed fault matching the call: a delay, an error answer, or both.
 * `resourceAgeMs` tells how long ago Vercel set up the resource a path names.
 */
export function injectFaults(
  faults: FaultPlan,
  resourceAgeMs: (path: string) => number | undefined = () => undefined,
): MiddlewareHandler<VercelApiEnv> {
  return async (c, next) => {
    const rule = faults.take({
      method: c.req.method,
      path: c.req.path,
      installationId: pathInstallationId(c.req.path),
      resourceAgeMs: resourceAgeMs(c.req.path),
    });
    if (rule?.delayMs) {
      const gone = await sleep(rule.delayMs, false, { signal: c.req.raw.signal }).catch(() => true);
      if (gone) return CALLER_GONE.clone();
    }
    if (rule?.status === undefined) return next();
    const headers = new Headers();
    if (rule.retryAfterSeconds !== undefined) {
      headers.set("retry-after", String(rule.retryAfterSeconds));
    }
    if ([204, 205, 304].includes(rule.status)) {
      return new Response(null, { status: rule.status, headers });
    }
    headers.set("content-type", "application/json");
    const body = rule.body ?? errorBody(faultCode(rule.status), `Injected fault: ${rule.status}`);
    return new Response(JSON.stringify(body), { status: rule.status, headers });
  };
}

function faultCode(status: number): string {
  if (status === 429) return "rate_limited";
  if (status >= 500) return "internal_server_error";
  return "injected_fault";
}
