import type { Context } from "hono";
import type { RequestContext } from "../core/request-context.ts";
import type { AppEnv } from "./env.ts";

export function requestContext(c: Context<AppEnv>): RequestContext {
  return {
    caller: c.get("caller"),
    requestId: c.get("requestId"),
    log: c.get("log"),
    receivedAt: c.get("receivedAt"),
    calls: c.get("calls"),
  };
}
