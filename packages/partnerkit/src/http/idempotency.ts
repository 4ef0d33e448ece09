import { createHash, randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { keepRenewing, type LeaseRenewal } from "../core/lease-renewal.ts";
import { PartnerError } from "../core/partner-error.ts";
import type { IdempotencyRequest, IdempotencyScope } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { AppEnv } from "./env.ts";
import { sendError } from "./error-response.ts";

export interface IdempotencyOptions {
  /**
   * How long a claim outlives its last renewal before another request may take it over (crash
   * recovery); a running request renews it every third of this.
   */
  leaseMs?: number;
  /** How long a concurrent repeat waits for the first request's answer before a 409. */
  waitMs?: number;
  pollMs?: number;
}

const MAX_KEY_LENGTH = 255;

/**
 * Spec §3.1: a repeat of `(installation, method, path, Idempotency-Key)` gets the stored status and
 * body without running again; the same key with another body is a 422; concurrent repeats wait
 * for the first, and get a 409 if it is still running after `waitMs`. 5xx answers are not stored,
 * so Vercel's retry runs the request afresh. Each request claims the key under its own owner token
 * and renews the claim while it runs, so a slow request is never run a second time by a retry.
 */
export function idempotency(
  store: Store,
  options: IdempotencyOptions = {},
): MiddlewareHandler<AppEnv> {
  const leaseMs = options.leaseMs ?? 60_000;
  const waitMs = options.waitMs ?? 10_000;
  const pollMs = options.pollMs ?? 20;

  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined || key === "") return next();
    if (key.length > MAX_KEY_LENGTH) {
      return sendError(
        c,
        PartnerError.badRequest(`Idempotency-Key is longer than ${MAX_KEY_LENGTH} characters`),
      );
    }
    const scope: IdempotencyRequest = {
      installationId: c.req.param("installationId") ?? "",
      method: c.req.method,
      path: c.req.path,
      key,
      requestHash: requestFingerprint(await c.req.text()),
      callerAccount: c.get("caller").claims.account_id ?? null,
    };
    const owner = randomUUID();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const claim = await store.claimIdempotencyKey(scope, leaseMs, owner);
      if (claim.outcome === "replay") {
        return new Response(claim.response.body, {
          status: claim.response.status,
          headers: {
            ...(claim.response.body !== null && { "content-type": "application/json" }),
            "idempotent-replayed": "true",
          },
        });
      }
      if (claim.outcome === "other_caller") {
        return sendError(
          c,
          new PartnerError(
            403,
            "forbidden",
            "Idempotency-Key belongs to another account's request",
          ),
        );
      }
      if (claim.outcome === "mismatch") {
        return sendError(
          c,
          new PartnerError(
            422,
            "idempotency_key_reused",
            "Idempotency-Key was already used with a different request",
          ),
        );
      }
      if (claim.outcome === "claimed") break;
      if (Date.now() >= deadline) {
        return sendError(
          c,
          PartnerError.conflict("A request with this Idempotency-Key is still being processed"),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }

    const heartbeat = keepClaim(store, scope, owner, leaseMs, c.get("log"));
    try {
      await next();
    } catch (error) {
      await heartbeat.stop();
      await store.releaseIdempotencyKey(scope, owner);
      throw error;
    }
    await heartbeat.stop();
    if (c.res.status >= 500) {
      await store.releaseIdempotencyKey(scope, owner);
      return;
    }
    const body = c.res.status === 204 ? null : await c.res.clone().text();
    await store.completeIdempotencyKey(scope, owner, { status: c.res.status, body });
  };
}

/** Renews `owner`'s claim every third of the lease until stopped or until the claim is lost. */
function keepClaim(
  store: Store,
  scope: IdempotencyScope,
  owner: string,
  leaseMs: number,
  log: Logger,
): LeaseRenewal {
  return keepRenewing(async () => {
    try {
      if (await store.renewIdempotencyKey(scope, owner, leaseMs)) return true;
      log.warn(
        { idempotencyKey: scope.key },
        "idempotency claim was taken over while its request ran",
      );
      return false;
    } catch (error) {
      log.warn({ err: error, idempotencyKey: scope.key }, "renewing an idempotency claim failed");
      return true;
    }
  }, leaseMs);
}

/** Hash of the body with object keys sorted, so a retry that reorders keys still matches. */
export function requestFingerprint(body: string): string {
  let canonical = body;
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(body)));
  } catch {
    // Not JSON: hash the raw text; the route will reject it anyway.
  }
  return createHash("sha256").update(canonical).digest("hex");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, entry]) => [key, sortKeys(entry)]),
    );
  }
  return value;
}
