import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { PartnerError } from "../core/partner-error.ts";
import type { AppEnv } from "./env.ts";
import { sendError } from "./error-response.ts";

const BODILESS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * 413 for a body larger than `maxSize` bytes. Hono's bodyLimit touches the body stream even when
 * Content-Length settles the question, which made the Node adapter build a full web Request for
 * every request (a tenth of a webhook's CPU); so a declared length is checked here, and only
 * chunked bodies are counted as they stream. Node's parser never delivers more than the declared
 * length.
 */
export function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Context) => {
    // The unread rest of the body is not drained, so this connection cannot be reused.
    c.header("Connection", "close");
    return sendError(
      c,
      new PartnerError(413, "payload_too_large", "Request body is larger than allowed"),
    );
  };
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    if (BODILESS.has(c.req.method)) return next();
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding") !== undefined)
      return counted(c, next);
    if (Number(length) > maxSize) return tooLarge(c);
    await next();
  };
}
