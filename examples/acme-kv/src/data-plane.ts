import { Hono } from "hono";
import type { KvStore } from "./kv-store.ts";

const BEARER = /^Bearer[ \t]+(\S+)$/i;

const problem = (code: string, message: string) => ({ error: { code, message } });

/** Counts usage of a resource (the framework's `BillingService.meter`). */
export type Meter = (resourceId: string, meter: string, value: number) => Promise<void>;

/**
 * `GET|PUT|DELETE /kv/:resourceId/:key` with the resource's token, and `GET /kv/:resourceId` for
 * keys. Every accepted request is metered as one of `requests`; a suspended resource (an overdue
 * invoice) is refused with 402.
 */
export function acmeKvDataPlane(kv: KvStore, meter: Meter): Hono {
  const routes = new Hono();

  routes.use("/kv/:resourceId/*", async (c, next) => {
    const token = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    const owner = token ? await kv.owner(c.req.param("resourceId"), token) : undefined;
    if (!owner) {
      return c.json(problem("unauthorized", "A valid KV_REST_API_TOKEN is required"), 401);
    }
    if (owner.suspended) {
      return c.json(problem("suspended", "This store is suspended until its invoice is paid"), 402);
    }
    await meter(owner.resourceId, "requests", 1);
    await next();
  });

  routes.get("/kv/:resourceId/", async (c) =>
    c.json({ keys: await kv.keys(c.req.param("resourceId")) }),
  );

  routes.get("/kv/:resourceId/:key", async (c) => {
    const value = await kv.get(c.req.param("resourceId"), c.req.param("key"));
    if (value === undefined) return c.json(problem("not_found", "No such key"), 404);
    return c.text(value);
  });

  routes.put("/kv/:resourceId/:key", async (c) => {
    await kv.set(c.req.param("resourceId"), c.req.param("key"), await c.req.text());
    return c.body(null, 204);
  });

  routes.delete("/kv/:resourceId/:key", async (c) => {
    const deleted = await kv.delete(c.req.param("resourceId"), c.req.param("key"));
    return deleted ? c.body(null, 204) : c.json(problem("not_found", "No such key"), 404);
  });

  return routes;
}
