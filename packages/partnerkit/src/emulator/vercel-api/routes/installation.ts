import { Hono } from "hono";
import {
  VercelCreateEventRequest,
  VercelUpdateInstallationRequest,
} from "../../../protocol/vercel-api.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { readVercelBody } from "../unknown-fields.ts";

/** Installation-level calls: update (§5.1), account (§5.2), member (§5.3), events (§5.5), finalize (§5.15). */
export function installationRoutes({ state, store, onEvent }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();

  routes.patch("/v1/installations/:id", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const body = await readVercelBody(c, VercelUpdateInstallationRequest);
    store.updateInstallation(installation.id, body);
    return c.body(null, 204);
  });

  routes.get("/v1/installations/:id/account", (c) => {
    const installation = authorize(c, state, c.req.param("id"), "billing");
    return c.json(store.account(installation.id), 200);
  });

  routes.get("/v1/installations/:id/member/:memberId", (c) => {
    const installation = authorize(c, state, c.req.param("id"), "billing");
    const memberId = c.req.param("memberId");
    // The installing user is an ADMIN (spec §5.3); others are added through the store.
    const member =
      store.member(installation.id, memberId) ??
      (memberId === installation.userId ? { id: memberId, role: "ADMIN" as const } : undefined);
    if (!member) throw ApiError.notFound(`No member ${memberId} in this installation`);
    return c.json(member, 200);
  });

  routes.post("/v1/installations/:id/events", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const { event } = await readVercelBody(c, VercelCreateEventRequest);
    if (event.type === "resource.updated") {
      const resource = state.resources.get(event.resourceId);
      if (resource?.installationId !== installation.id || resource.deleted) {
        throw ApiError.notFound(`No resource ${event.resourceId} in this installation`);
      }
    }
    store.addEvent(installation.id, event);
    if (onEvent) {
      // Vercel reacts after it has answered: the partner's call must not wait for its own GET.
      setTimeout(() => void Promise.resolve(onEvent(installation.id, event)).catch(() => {}), 0);
    }
    return c.body(null, 201);
  });

  routes.post("/v1/installations/:id/billing/finalize", (c) => {
    // Accepted in any state but finalized: a partner may finalize from inside its DELETE handler,
    // before Vercel has marked the installation uninstalled (UNCONFIRMED what Vercel does there).
    const installation = authorize(c, state, c.req.param("id"), "billing");
    installation.finalized = true;
    return c.body(null, 204);
  });

  return routes;
}
