import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Hono } from "hono";
import { z } from "zod";
import { BillingClock, CLOSE_PERIOD_PATH } from "../core/billing/billing-clock.ts";
import type { BillingService } from "../core/billing/billing-service.ts";
import type { AppEnv } from "../http/env.ts";
import { type TokenVerifier, vercelAuth } from "../http/vercel-auth.ts";

const ClockFile = z.object({ offsetMs: z.number() });

/**
 * The dev server's billing clock, kept in a file so that a restart (the watcher restarts on every
 * code change) stays in the period it was moved to; `dev --reset` removes it with the database.
 */
export async function fileBillingClock(file: string): Promise<BillingClock> {
  const stored = await readFile(file, "utf8").then(
    (text) => ClockFile.safeParse(JSON.parse(text)),
    () => undefined,
  );
  return new BillingClock(stored?.success ? stored.data.offsetMs : 0, async (offsetMs) => {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ offsetMs }));
  });
}

/**
 * `POST CLOSE_PERIOD_PATH`: moves the clock to the next period and schedules billing at once, so
 * the invoices of the closed period are submitted within seconds. Only the Marketplace may ask
 * (a system token from its issuer, as on the Partner API).
 */
export function devBillingRoutes(options: {
  clock: BillingClock;
  billing: Pick<BillingService, "schedule">;
  verify: TokenVerifier;
  intervalSeconds: number;
}): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post(
    CLOSE_PERIOD_PATH,
    vercelAuth(options.verify, { allow: ["system"], write: true }),
    async (c) => {
      const closed = await options.clock.closePeriod();
      const enqueued = await options.billing.schedule(options.intervalSeconds);
      c.get("log").info({ closed, enqueued }, "billing period closed by the dev clock");
      return c.json({ closed, now: options.clock.now().toISOString(), enqueued });
    },
  );
  return routes;
}
