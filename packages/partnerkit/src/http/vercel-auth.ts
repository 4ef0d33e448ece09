import type { MiddlewareHandler } from "hono";
import type { VerifyTokenResult } from "../auth/verify-token.ts";
import { PartnerError } from "../core/partner-error.ts";
import type { AuthType } from "../protocol/claims.ts";
import { type ErrorBody, ErrorCode } from "../protocol/errors.ts";
import { InboundCallBudget } from "../vercel/call-scope.ts";
import type { AppEnv } from "./env.ts";
import { sendError } from "./error-response.ts";

/** Verifies a bearer token given the `X-Vercel-Auth` header value. */
export type TokenVerifier = (
  token: string,
  authHeader: string | undefined,
) => Promise<VerifyTokenResult>;

export interface RoutePolicy {
  /** Auth types this route accepts (spec §2.5). */
  allow: readonly AuthType[];
  /** A write: user tokens need the ADMIN role (spec §2.4 step 6). */
  write: boolean;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-_.]+)[ \t]*$/i;

/**
 * Spec §2.4 as middleware: a verified token, an allowed auth type and role, and — on installation
 * paths — a token issued for that very installation. Every failure is a 401/403 error body, except
 * signing keys that cannot be loaded: a 503 with `Retry-After`, so Vercel retries rather than
 * treating an outage on this side as a bad token.
 */
export function vercelAuth(verify: TokenVerifier, policy: RoutePolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    if (!token || token.length > MAX_TOKEN_LENGTH) {
      return sendError(c, new PartnerError(401, "unauthorized", "A Bearer token is required"));
    }
    const result = await verify(token, c.req.header("x-vercel-auth"));
    if (!result.ok && result.reason === "key_set_unavailable") {
      c.get("log").warn({ reason: result.reason }, "signing keys unavailable");
      return c.json(
        {
          error: { code: ErrorCode.keySetUnavailable, message: result.message },
        } satisfies ErrorBody,
        503,
        { "retry-after": String(result.retryAfterSeconds ?? 30) },
      );
    }
    if (!result.ok) {
      c.get("log").info({ reason: result.reason }, "token rejected");
      return sendError(c, new PartnerError(401, result.reason, result.message));
    }
    if (!policy.allow.includes(result.authType)) {
      return sendError(
        c,
        new PartnerError(
          403,
          "auth_type_not_allowed",
          `${result.authType} auth is not allowed for this operation`,
        ),
      );
    }
    if (policy.write && result.authType === "user" && result.claims.user_role !== "ADMIN") {
      return sendError(
        c,
        new PartnerError(403, "insufficient_role", "This operation needs the ADMIN role", {
          userMessage: "Only team members who can manage integrations can do this.",
        }),
      );
    }
    // Strict binding: even a system token with a null installation_id may not act on an
    // installation path; only the product-plans route (no installation in the path) accepts it.
    const installationId = c.req.param("installationId");
    if (installationId !== undefined && result.claims.installation_id !== installationId) {
      return sendError(
        c,
        new PartnerError(
          403,
          "installation_mismatch",
          "Token was not issued for this installation",
        ),
      );
    }
    c.set(
      "caller",
      result.authType === "user" ? result : { authType: "system", claims: result.claims },
    );
    // Calls to Vercel made while answering are bounded so the answer reaches Vercel in time.
    const budget = new InboundCallBudget();
    c.set("calls", { budget });
    try {
      await next();
    } finally {
      budget.close();
    }
  };
}
