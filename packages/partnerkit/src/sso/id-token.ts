import type { JWTVerifyGetKey } from "jose";
import { type TokenFailureReason, verifyVercelToken } from "../auth/verify-token.ts";
import type { UserClaims } from "../protocol/claims.ts";

export interface IdTokenOptions {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string | string[];
  currentDate?: Date;
}

export type IdTokenResult =
  | { ok: true; claims: UserClaims }
  | { ok: false; reason: TokenFailureReason; message: string };

/**
 * Verifies the `id_token` of the SSO exchange exactly like a user-auth Partner API token
 * (spec §9.1 → §2.4): RS256 against the Marketplace key set, `iss`, `aud`, `exp`, then the
 * user claims of §2.2. The docs call it an "OIDC token" without listing its claims (UNCONFIRMED);
 * the user-auth schema is what the reference example reads from it, so a token without
 * `installation_id` or `user_id` is refused — a session must be bound to one installation and
 * one Vercel user. `type` is not checked: whether Vercel sets `id_token` there is UNCONFIRMED.
 */
export async function verifyIdToken(
  token: string,
  options: IdTokenOptions,
): Promise<IdTokenResult> {
  const verified = await verifyVercelToken(token, { ...options, authHeader: "user" });
  if (!verified.ok) return { ok: false, reason: verified.reason, message: verified.message };
  if (verified.authType !== "user") {
    return { ok: false, reason: "claims_invalid", message: "The id_token names no user" };
  }
  return { ok: true, claims: verified.claims };
}
