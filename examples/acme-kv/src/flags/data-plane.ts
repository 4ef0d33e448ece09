import { Hono } from "hono";
import type { RouteTools } from "partnerkit";
import { z } from "zod";
import { evaluateFlag } from "./evaluate.ts";
import type { FlagChanges } from "./flag-changes.ts";
import { FlagChange, FlagRuleError } from "./flag-model.ts";
import { FlagKeyTaken, type FlagStore } from "./flag-store.ts";

const BEARER = /^Bearer[ \t]+(\S+)$/i;

const problem = (code: string, message: string) => ({ error: { code, message } });

const Entity = z.object({ entity: z.string().min(1).max(256).optional() });

type FlagsEnv = { Variables: { installationId: string } };

/**
 * Acme Flags' API, with the resource's `ACME_FLAGS_TOKEN` as a bearer token:
 * `GET /flags/:resourceId/evaluate?entity=` (every live flag) and `…/evaluate/:key`, and the flags
 * themselves: `GET …/flags`, `GET|PUT|DELETE …/flags/:key` (PUT creates or changes the fields it
 * names; `"archived": true` archives, `"key"` renames). Changes reach Vercel through `ctx.sync`.
 */
export function acmeFlagsDataPlane(
  flags: FlagStore,
  changes: FlagChanges,
  tools: Pick<RouteTools, "contextFor" | "log">,
): Hono {
  const routes = new Hono<FlagsEnv>();
  const notFound = (key: string) => problem("not_found", `No flag keyed ${key}`);

  routes.use("/flags/:resourceId/*", async (c, next) => {
    const token = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    const installationId = token ? await flags.owner(c.req.param("resourceId"), token) : undefined;
    if (!installationId) {
      return c.json(problem("unauthorized", "A valid ACME_FLAGS_TOKEN is required"), 401);
    }
    c.set("installationId", installationId);
    await next();
  });

  routes.get("/flags/:resourceId/evaluate", async (c) => {
    const query = Entity.safeParse(c.req.query());
    if (!query.success) return c.json(problem("bad_request", "entity is 1-256 characters"), 400);
    const live = (await flags.list(c.req.param("resourceId"))).filter((flag) => !flag.archived);
    const evaluations = live.map((flag) => [flag.key, evaluateFlag(flag, query.data.entity)]);
    return c.json({ flags: Object.fromEntries(evaluations) });
  });

  routes.get("/flags/:resourceId/evaluate/:key", async (c) => {
    const query = Entity.safeParse(c.req.query());
    if (!query.success) return c.json(problem("bad_request", "entity is 1-256 characters"), 400);
    const key = c.req.param("key");
    const flag = await flags.byKey(c.req.param("resourceId"), key);
    if (!flag) return c.json(notFound(key), 404);
    if (flag.archived) return c.json(problem("archived", `Flag ${key} is archived`), 404);
    return c.json({ key, ...evaluateFlag(flag, query.data.entity) });
  });

  routes.get("/flags/:resourceId/flags", async (c) =>
    c.json({ flags: await flags.list(c.req.param("resourceId")) }),
  );

  routes.get("/flags/:resourceId/flags/:key", async (c) => {
    const flag = await flags.byKey(c.req.param("resourceId"), c.req.param("key"));
    return flag ? c.json(flag) : c.json(notFound(c.req.param("key")), 404);
  });

  routes.put("/flags/:resourceId/flags/:key", async (c) => {
    const body = FlagChange.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) {
      return c.json(problem("invalid_flag", z.prettifyError(body.error)), 400);
    }
    const ctx = await tools.contextFor(c.get("installationId"), tools.log);
    try {
      const saved = await changes.save(
        ctx,
        c.req.param("resourceId"),
        c.req.param("key"),
        body.data,
      );
      return c.json(saved.flag, saved.created ? 201 : 200);
    } catch (error) {
      if (error instanceof FlagRuleError)
        return c.json(problem("invalid_flag", error.message), 400);
      if (error instanceof FlagKeyTaken) return c.json(problem("conflict", error.message), 409);
      throw error;
    }
  });

  routes.delete("/flags/:resourceId/flags/:key", async (c) => {
    const ctx = await tools.contextFor(c.get("installationId"), tools.log);
    const deleted = await changes.delete(ctx, c.req.param("resourceId"), c.req.param("key"));
    return deleted ? c.body(null, 204) : c.json(notFound(c.req.param("key")), 404);
  });

  return new Hono().route("/", routes);
}
