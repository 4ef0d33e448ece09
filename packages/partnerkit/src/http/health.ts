import { Hono } from "hono";
import { sql } from "kysely";
import { Liveness, ReadinessReport } from "../protocol/health.ts";
import type { Database } from "../store/database.ts";
import type { AppEnv } from "./env.ts";
import { registerRoutes } from "./register-routes.ts";
import { defineRoute, type Route } from "./route-spec.ts";

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
export const probeRoutes: readonly Route<Readiness>[] = [
  defineRoute({
    method: "get",
    path: "/healthz",
    tag: "Operations",
    summary: "Liveness",
    description: "The process answers. Answered even while the server is still starting.",
    auth: { kind: "none" },
    responses: { 200: { description: "Alive", schema: Liveness } },
    handle: (c) => c.json({ status: "ok" } satisfies Liveness),
  }),
  defineRoute({
    method: "get",
    path: "/readyz",
    tag: "Operations",
    summary: "Readiness",
    description: "Migrations are done and the database answers within 2 s; send no traffic before.",
    auth: { kind: "none" },
    responses: {
      200: { description: "Ready", schema: ReadinessReport },
      503: { description: "Starting, failed or without its database", schema: ReadinessReport },
    },
    handle: async (c, _body, readiness) => {
      const report = await readinessReport(readiness);
      return c.json(report, report.status === "ready" ? 200 : 503);
    },
  }),
];

export function healthRoutes(readiness: Readiness): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  registerRoutes(routes, probeRoutes, readiness);
  return routes;
}

async function readinessReport(readiness: Readiness): Promise<ReadinessReport> {
  if (readiness.failure) return { status: "failed", reason: "setup failed" };
  if (!readiness.migrated) return { status: "starting", reason: "migrating" };
  if (!(await answers(readiness.database))) {
    return { status: "unavailable", reason: "database unreachable" };
  }
  return { status: "ready" };
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
