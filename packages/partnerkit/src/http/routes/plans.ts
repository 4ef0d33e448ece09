import { Hono } from "hono";
import { productPlans } from "../../core/products.ts";
import type { RouteOptions } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { metadataQuery } from "../metadata-query.ts";
import { requestContext } from "../request-context.ts";
import { vercelAuth } from "../vercel-auth.ts";

/** Spec §4.12 and §4.14. */
export function planRoutes({ verify, installations, integration }: RouteOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const read = vercelAuth(verify, { allow: ["system", "user"], write: false });

  routes.get("/v1/products/:productSlug/plans", read, async (c) => {
    const plans = await productPlans(
      integration,
      c.req.param("productSlug"),
      metadataQuery(c) ?? {},
    );
    return c.json({ plans });
  });

  routes.get("/v1/installations/:installationId/plans", read, async (c) => {
    const installation = await installations.require(
      requestContext(c),
      c.req.param("installationId"),
    );
    return c.json({ plans: await installations.installationPlans(installation) });
  });

  return routes;
}
