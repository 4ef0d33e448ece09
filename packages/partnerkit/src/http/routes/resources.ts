import { Hono } from "hono";
import { ProvisionResourceRequest, UpdateResourceRequest } from "../../protocol/resources.ts";
import type { RouteOptions } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { metadataQuery } from "../metadata-query.ts";
import { requestContext } from "../request-context.ts";
import { vercelAuth } from "../vercel-auth.ts";

const COLLECTION = "/v1/installations/:installationId/resources";
const ITEM = `${COLLECTION}/:resourceId`;

/** Spec §4.5–§4.9 and §4.13. Reads accept both auth types (spec §2.5 recommendation). */
export function resourceRoutes({ verify, idempotent, resources }: RouteOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const read = vercelAuth(verify, { allow: ["system", "user"], write: false });

  routes.post(
    COLLECTION,
    vercelAuth(verify, { allow: ["user"], write: true }),
    idempotent,
    async (c) => {
      const body = await readJson(c, ProvisionResourceRequest);
      return c.json(
        await resources.provision(requestContext(c), c.req.param("installationId"), body),
      );
    },
  );

  // Deprecated (spec §4.9) but still answered for older Vercel callers.
  routes.get(COLLECTION, read, async (c) => {
    const ids = c.req.queries("ids") ?? [];
    const list = await resources.list(requestContext(c), c.req.param("installationId"), ids);
    return c.json({ resources: list });
  });

  routes.get(ITEM, read, async (c) =>
    c.json(
      await resources.get(
        requestContext(c),
        c.req.param("installationId"),
        c.req.param("resourceId"),
      ),
    ),
  );

  routes.patch(
    ITEM,
    vercelAuth(verify, { allow: ["user"], write: true }),
    idempotent,
    async (c) => {
      const body = await readJson(c, UpdateResourceRequest);
      const { installationId, resourceId } = c.req.param();
      return c.json(await resources.update(requestContext(c), installationId, resourceId, body));
    },
  );

  routes.delete(
    ITEM,
    vercelAuth(verify, { allow: ["user", "system"], write: true }),
    idempotent,
    async (c) => {
      const { installationId, resourceId } = c.req.param();
      await resources.delete(requestContext(c), installationId, resourceId);
      return c.body(null, 204);
    },
  );

  routes.get(`${ITEM}/plans`, read, async (c) => {
    const { installationId, resourceId } = c.req.param();
    const plans = await resources.plans(
      requestContext(c),
      installationId,
      resourceId,
      metadataQuery(c),
    );
    return c.json({ plans });
  });

  return routes;
}
