import type { MiddlewareHandler } from "hono";
import type { VercelApiEnv } from "./context.ts";
import { errorBody } from "./errors.ts";
import type { FaultPlan } from "./faults.ts";
import { pathInstallationId } from "./record.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Applies the first programmed fault matching the call: a delay, an error answer, or both. */
export function injectFaults(faults: FaultPlan): MiddlewareHandler<VercelApiEnv> {
  return async (c, next) => {
    const rule = faults.take({
      method: c.req.method,
      path: c.req.path,
      installationId: pathInstallationId(c.req.path),
    });
    if (rule?.delayMs) await sleep(rule.delayMs);
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
