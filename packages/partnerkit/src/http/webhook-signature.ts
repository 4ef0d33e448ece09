import type { MiddlewareHandler } from "hono";
import { verifyWebhookSignature } from "../auth/webhook-signature.ts";
import { PartnerError } from "../core/partner-error.ts";
import type { AppEnv } from "./env.ts";
import { sendError } from "./error-response.ts";

/** Spec §6.2: `x-vercel-signature` must sign the raw body bytes, checked before any parsing. */
export function webhookSignature(secrets: readonly string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const signature = verifyWebhookSignature(
      await c.req.text(),
      c.req.header("x-vercel-signature"),
      secrets,
    );
    if (!signature.ok) {
      c.get("log").warn({ reason: signature.reason }, "webhook signature rejected");
      return sendError(c, new PartnerError(401, signature.reason, "Webhook signature is invalid"));
    }
    await next();
  };
}
