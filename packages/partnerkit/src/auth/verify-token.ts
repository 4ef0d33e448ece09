import { type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from "jose";
import {
  type AuthType,
  SystemClaims,
  UserClaims,
  type VerifiedCaller,
} from "../protocol/claims.ts";
import { KeySetUnavailableError } from "./key-set.ts";

export interface VerifyTokenOptions {
  /** Key source: a cached remote JWKS (see `createVercelKeySet`) or a local key set in tests. */
  keys: JWTVerifyGetKey;
  issuer: string;
  /** The integration client id(s) expected in `aud`. */
  audience: string | string[];
  /** Value of the `X-Vercel-Auth` header, when sent. */
  authHeader?: string | null;
  /** Seconds of clock skew tolerated on `exp`/`nbf`. */
  clockToleranceSeconds?: number;
  currentDate?: Date;
}

export type TokenFailureReason =
  | "token_malformed"
  | "token_expired"
  | "token_not_yet_valid"
  | "signature_invalid"
  | "algorithm_not_allowed"
  | "key_not_found"
  | "key_set_unavailable"
  | "issuer_invalid"
  | "audience_invalid"
  | "claims_invalid"
  | "auth_type_invalid"
  | "auth_type_mismatch";

export type VerifyTokenResult =
  | ({ ok: true } & VerifiedCaller)
  | {
      ok: false;
      reason: TokenFailureReason;
      message: string;
      /** Set with `key_set_unavailable`: when verifying again may succeed, in seconds. */
      retryAfterSeconds?: number;
    };

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** When the key source failed without saying when to come back. */
const DEFAULT_KEY_SET_RETRY_AFTER_SECONDS = 30;

/**
 * Verifies a Marketplace OIDC token (spec §2.4) without any framework: signature against the key
 * set with RS256 pinned, issuer, audience, expiry, then the claim shape of the caller's auth type.
 * Never throws for a bad token: the reason comes back as a value.
 */
export async function verifyVercelToken(
  token: string,
  options: VerifyTokenOptions,
): Promise<VerifyTokenResult> {
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, options.keys, {
      algorithms: ["RS256"],
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ["exp"],
      clockTolerance: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
      currentDate: options.currentDate,
    });
    payload = verified.payload;
  } catch (error) {
    return { ok: false, ...describeJoseError(error) };
  }
  return checkCallerClaims(payload, options.authHeader);
}

function checkCallerClaims(
  payload: Record<string, unknown>,
  authHeader: string | null | undefined,
): VerifyTokenResult {
  // The auth type is derived from the claims, never taken from the header alone: a user token
  // presented as "system" must not escape the role check.
  const derived: AuthType = "user_id" in payload || "user_role" in payload ? "user" : "system";
  if (authHeader != null && authHeader !== "") {
    const declared = authHeader.trim().toLowerCase();
    if (declared !== "user" && declared !== "system") {
      return {
        ok: false,
        reason: "auth_type_invalid",
        message: "X-Vercel-Auth must be user or system",
      };
    }
    if (declared !== derived) {
      return {
        ok: false,
        reason: "auth_type_mismatch",
        message: `X-Vercel-Auth says ${declared} but the token carries ${derived} claims`,
      };
    }
  }
  if (derived === "user") {
    const claims = UserClaims.safeParse(payload);
    if (!claims.success) return claimsInvalid(claims.error.issues[0]?.path);
    return { ok: true, authType: "user", claims: claims.data };
  }
  const claims = SystemClaims.safeParse(payload);
  if (!claims.success) return claimsInvalid(claims.error.issues[0]?.path);
  return { ok: true, authType: "system", claims: claims.data };
}

function claimsInvalid(path: PropertyKey[] | undefined): VerifyTokenResult {
  const claim = path?.join(".") || "unknown";
  return {
    ok: false,
    reason: "claims_invalid",
    message: `Token claim ${claim} is missing or invalid`,
  };
}

function describeJoseError(error: unknown): {
  reason: TokenFailureReason;
  message: string;
  retryAfterSeconds?: number;
} {
  if (error instanceof KeySetUnavailableError) {
    return {
      reason: "key_set_unavailable",
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (error instanceof joseErrors.JWTExpired) {
    return { reason: "token_expired", message: "Token has expired" };
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "iss")
      return { reason: "issuer_invalid", message: "Unexpected token issuer" };
    if (error.claim === "aud")
      return { reason: "audience_invalid", message: "Unexpected token audience" };
    if (error.claim === "nbf")
      return { reason: "token_not_yet_valid", message: "Token is not valid yet" };
    return { reason: "claims_invalid", message: `Token claim ${error.claim} is invalid` };
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return { reason: "algorithm_not_allowed", message: "Token algorithm is not allowed" };
  }
  if (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys
  ) {
    return { reason: "key_not_found", message: "No signing key matches the token" };
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return { reason: "signature_invalid", message: "Token signature is invalid" };
  }
  if (
    error instanceof joseErrors.JWSInvalid ||
    error instanceof joseErrors.JWTInvalid ||
    error instanceof joseErrors.JOSENotSupported
  ) {
    return { reason: "token_malformed", message: "Token is malformed" };
  }
  // What is left comes from loading the key set: timeouts, non-200 answers, bodies that are not a
  // key set, network failures.
  return {
    reason: "key_set_unavailable",
    message: "Signing keys could not be loaded",
    retryAfterSeconds: DEFAULT_KEY_SET_RETRY_AFTER_SECONDS,
  };
}
