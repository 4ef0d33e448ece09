import { createHmac, timingSafeEqual } from "node:crypto";

export type WebhookSignatureResult =
  | { ok: true }
  | {
      ok: false;
      reason: "signature_missing" | "signature_malformed" | "signature_mismatch" | "no_secret";
    };

const HEX_SHA1 = /^[0-9a-f]{40}$/i;

/** `x-vercel-signature`: lowercase hex HMAC-SHA1 of the raw body bytes, keyed with the client secret (spec §6.2). */
export function signWebhookPayload(rawBody: string | Uint8Array, secret: string): string {
  return createHmac("sha1", secret).update(rawBody).digest("hex");
}

/**
 * Checks a delivery against the client secret, or any of several during a secret rotation, in
 * constant time. Verify the raw bytes as received: a body parsed and serialised again will not
 * match. The signature has no timestamp, so replays are stopped by de-duplicating event ids.
 */
export function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  signature: string | null | undefined,
  secrets: string | readonly string[],
): WebhookSignatureResult {
  const candidates = (typeof secrets === "string" ? [secrets] : secrets).filter(Boolean);
  if (candidates.length === 0) return { ok: false, reason: "no_secret" };
  if (!signature) return { ok: false, reason: "signature_missing" };
  const presented = signature.trim();
  if (!HEX_SHA1.test(presented)) return { ok: false, reason: "signature_malformed" };
  const presentedBytes = Buffer.from(presented.toLowerCase(), "hex");
  // Every secret is tried, so the time taken does not tell which one matched.
  let matched = false;
  for (const secret of candidates) {
    const expected = Buffer.from(signWebhookPayload(rawBody, secret), "hex");
    if (timingSafeEqual(expected, presentedBytes)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: "signature_mismatch" };
}
