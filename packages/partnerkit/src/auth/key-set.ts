import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

export interface KeySetOptions {
  /** How long a fetched key set is trusted before a refetch, in ms. */
  maxAgeMs?: number;
  /** Minimum time between two refetches triggered by an unknown `kid`, in ms. */
  cooldownMs?: number;
  timeoutMs?: number;
}

/**
 * The Marketplace signing keys, fetched once and cached. An unknown `kid` triggers a single
 * refetch, then no other until the cooldown has passed, so forged tokens cannot hammer the issuer.
 */
export function createVercelKeySet(
  jwksUrl: string | URL,
  options: KeySetOptions = {},
): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), {
    cacheMaxAge: options.maxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
  });
}
