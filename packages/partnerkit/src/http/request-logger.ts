import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { lazyChild } from "../lazy-child.ts";
import type { AppEnv } from "./env.ts";

/** Gives each request an id and a child logger, and logs one line when it ends. */
export function requestLogger(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set("receivedAt", started);
    const requestId = randomUUID();
    const log = lazyChild(logger, { requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    // Set before the handler: added afterwards, Hono must copy the finished response.
    c.header("x-request-id", requestId);
    await next();
    if (log.isLevelEnabled("info")) {
      log.info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round(performance.now() - started),
        },
        "request",
      );
    }
  };
}
