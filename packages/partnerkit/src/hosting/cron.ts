import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import { ConfigError } from "../config.ts";
import type { Partnerkit } from "../runtime.ts";

export interface CronHandlerOptions {
  /**
   * The shared secret (on Vercel, `CRON_SECRET`): a request is served only when it carries
   * `Authorization: Bearer <secret>`. At least 16 characters.
   */
  secret: string;
  /**
   * How long one call keeps claiming queued jobs; the jobs it claimed are still awaited after
   * that, so keep it well under the function's maximum duration. Default 30 s: half of a 60 s
   * function.
   */
  maxMs?: number;
  /** Where a failed tick is logged (its details never go into the response). */
  logger?: Pick<Logger, "error">;
}

export const DEFAULT_CRON_MAX_MS = 30_000;
const MIN_SECRET_LENGTH = 16;

/**
 * The handler of a scheduled route (a Vercel Cron Job): refuses a request without the right
 * bearer secret with 401 and no work done; otherwise runs `partnerkit.tick()` once and answers
 * 200 with how many jobs ran.
 */
export function createCronHandler(
  partnerkit: Pick<Partnerkit, "tick">,
  options: CronHandlerOptions,
): (request: Request) => Promise<Response> {
  if (options.secret.trim().length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `The cron secret (CRON_SECRET) must be at least ${MIN_SECRET_LENGTH} characters`,
    );
  }
  const expected = digest(options.secret);
  const maxMs = options.maxMs ?? DEFAULT_CRON_MAX_MS;
  return async (request) => {
    if (!authorized(request.headers.get("authorization"), expected)) {
      return Response.json(
        { error: { code: "unauthorized", message: "Missing or wrong cron secret" } },
        { status: 401, headers: { "www-authenticate": "Bearer" } },
      );
    }
    const started = Date.now();
    try {
      const { jobs } = await partnerkit.tick({ maxMs });
      return Response.json({ status: "ok", jobs, durationMs: Date.now() - started });
    } catch (error) {
      options.logger?.error({ err: error }, "cron tick failed");
      return Response.json(
        {
          error: { code: "tick_failed", message: "The tick failed; the queued work stays queued" },
        },
        { status: 500 },
      );
    }
  };
}

function authorized(header: string | null, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? "");
  if (!match?.[1]) return false;
  // Equal-length digests: the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(match[1]), expected);
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
