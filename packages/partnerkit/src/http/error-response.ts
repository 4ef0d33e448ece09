import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { BusyError, PartnerError } from "../core/partner-error.ts";
import { type ErrorBody, ErrorCode } from "../protocol/errors.ts";
import type { AppEnv } from "./env.ts";

export function errorBody(error: PartnerError): ErrorBody {
  const { userMessage, userUrl, fields } = error.options;
  return {
    error: {
      code: error.code,
      message: error.message,
      ...((userMessage || userUrl) && {
        user: { ...(userMessage && { message: userMessage }), ...(userUrl && { url: userUrl }) },
      }),
      ...(fields && fields.length > 0 && { fields }),
    },
  };
}

export function sendError(c: Context, error: PartnerError): Response {
  return c.json(errorBody(error), error.status as ContentfulStatusCode);
}

/** The one place where thrown errors become responses: spec bodies for 4xx and 503, a safe body for 500. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof PartnerError) return sendError(c, error);
  if (error instanceof BusyError) {
    return c.json(
      { error: { code: ErrorCode.busy, message: error.message } } satisfies ErrorBody,
      503,
      { "retry-after": String(error.retryAfterSeconds) },
    );
  }
  if (error instanceof HTTPException && error.status < 500) {
    return sendError(
      c,
      new PartnerError(400, ErrorCode.badRequest, error.message || "Bad request"),
    );
  }
  c.get("log").error({ err: error }, "unhandled error");
  return c.json(
    { error: { code: ErrorCode.internal, message: "Internal server error" } } satisfies ErrorBody,
    500,
  );
}

export function handleNotFound(c: Context): Response {
  return sendError(c, PartnerError.notFound(`No route for ${c.req.method} ${c.req.path}`));
}
