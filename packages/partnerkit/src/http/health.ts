import { Hono } from "hono";
import { sql } from "kysely";
import type { Database } from "../store/database.ts";

/** What `/readyz` looks at; the runtime updates it as setup progresses. */
export interface Readiness {
  migrated: boolean;
  /** Why setup failed (migrations, the integration's factory), if it did. */
  failure?: unknown;
  database: Database;
}

const DATABASE_PING_MS = 2_000;

/**
 * `GET /healthz`: the process answers (liveness). `GET /readyz`: migrations are done and the
 * database answers a query within 2 s (readiness); a load balancer sends no traffic until then.
 */
export function healthRoutes(readiness: Readiness): Hono {
  const routes = new Hono();
  routes.get("/healthz", (c) => c.json({ status: "ok" }));
  routes.get("/readyz", async (c) => {
    if (readiness.failure) return c.json({ status: "failed", reason: "setup failed" }, 503);
    if (!readiness.migrated) return c.json({ status: "starting", reason: "migrating" }, 503);
    if (!(await answers(readiness.database))) {
      return c.json({ status: "unavailable", reason: "database unreachable" }, 503);
    }
    return c.json({ status: "ready" });
  });
  return routes;
}

async function answers(database: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DATABASE_PING_MS);
  });
  const ping = sql`select 1`.execute(database.kysely).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
