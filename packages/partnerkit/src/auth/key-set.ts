import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type ExportedJWKSCache,
  type JWKSCacheInput,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwksCache,
} from "jose";

export interface KeySetOptions {
  /** How long a fetched key set is trusted before a refetch, in ms. */
  maxAgeMs?: number;
  /** Minimum time between two refetches triggered by an unknown `kid`, in ms. */
  cooldownMs?: number;
  timeoutMs?: number;
  /**
   * How long after its last successful fetch a key set is still used when the issuer cannot be
   * reached, in ms (default 24 h). Past it, or before any key set was ever fetched, verification
   * fails with `KeySetUnavailableError`.
   */
  staleWindowMs?: number;
}

const DEFAULT_STALE_WINDOW_MS = 24 * 60 * 60_000;

/** No key set can be used: the issuer is unreachable and none was fetched recently enough. */
export class KeySetUnavailableError extends Error {
  override readonly name = "KeySetUnavailableError";
  constructor(
    message: string,
    /** When a new attempt has a chance, in seconds. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The Marketplace signing keys, fetched once and cached. An unknown `kid` triggers a single
 * refetch, then no other until the cooldown has passed, so forged tokens cannot hammer the issuer.
 * When the issuer is unreachable, the last key set fetched keeps verifying tokens for the stale
 * window; an unknown `kid` is still refused.
 */
export function createVercelKeySet(
  jwksUrl: string | URL,
  options: KeySetOptions = {},
): JWTVerifyGetKey {
  const cooldownMs = options.cooldownMs ?? 30_000;
  const staleWindowMs = options.staleWindowMs ?? DEFAULT_STALE_WINDOW_MS;
  const retryAfterSeconds = Math.max(1, Math.ceil(cooldownMs / 1000));
  // jose records every successful fetch here: the key set and when it was fetched.
  const cache: JWKSCacheInput = {};
  const remote = createRemoteJWKSet(new URL(jwksUrl), {
    cacheMaxAge: options.maxAgeMs ?? 10 * 60_000,
    cooldownDuration: cooldownMs,
    timeoutDuration: options.timeoutMs ?? 5_000,
    [jwksCache]: cache,
  });
  let lastGood: { fetchedAt: number; keys: JWTVerifyGetKey } | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;

  const usable = () => {
    const fetched = isFilled(cache) ? cache : undefined;
    if (fetched && fetched.uat !== lastGood?.fetchedAt) {
      lastGood = { fetchedAt: fetched.uat, keys: createLocalJWKSet(fetched.jwks) };
    }
    if (lastGood && Date.now() - lastGood.fetchedAt <= staleWindowMs) return lastGood.keys;
    return undefined;
  };

  return async (header, token) => {
    // Right after a failed fetch, the last key set answers without waiting on the issuer again.
    const stale = usable();
    if (stale && Date.now() - failedAt < cooldownMs) return stale(header, token);
    try {
      return await remote(header, token);
    } catch (error) {
      if (isKeyLookupError(error)) throw error;
      failedAt = Date.now();
      const fallback = usable();
      if (fallback) return fallback(header, token);
      throw new KeySetUnavailableError("Signing keys could not be loaded", retryAfterSeconds, {
        cause: error,
      });
    }
  };
}

function isFilled(cache: JWKSCacheInput): cache is ExportedJWKSCache {
  return typeof cache.uat === "number" && cache.jwks !== undefined;
}

/** Errors about the token's key in a key set that was loaded, as opposed to loading it. */
function isKeyLookupError(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys ||
    error instanceof joseErrors.JOSENotSupported ||
    error instanceof joseErrors.JOSEAlgNotAllowed
  );
}
