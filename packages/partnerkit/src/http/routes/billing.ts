import { Hono } from "hono";
import { ProvisionPurchaseRequest } from "../../protocol/billing.ts";
import type { RouteOptions } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { requestContext } from "../request-context.ts";
import { vercelAuth } from "../vercel-auth.ts";

/** Spec §4.15: user auth for a purchase, system auth for Vercel's automatic top-ups. */
export function billingRoutes({ verify, idempotent, billing }: RouteOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.post(
    "/v1/installations/:installationId/billing/provision",
    vercelAuth(verify, { allow: ["user", "system"], write: true }),
    idempotent,
    async (c) => {
      const { invoiceId } = await readJson(c, ProvisionPurchaseRequest);
      return c.json(
        await billing.provisionPurchase(
          requestContext(c),
          c.req.param("installationId"),
          invoiceId,
        ),
      );
    },
  );

  return routes;
}
