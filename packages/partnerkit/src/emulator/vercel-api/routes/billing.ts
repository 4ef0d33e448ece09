import { Hono } from "hono";
import { VercelBalancesRequest, VercelBillingDataRequest } from "../../../protocol/vercel-api.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { readVercelBody } from "../unknown-fields.ts";
import { refsOf, unknownResources } from "./resource-refs.ts";

/** Interim billing data (§5.12) and prepayment balances (§5.14): both 201 with no body. */
export function billingRoutes({ state, store }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();

  routes.post("/v1/installations/:id/billing", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "billing");
    const body = await readVercelBody(c, VercelBillingDataRequest);
    const { items, discounts = [] } = Array.isArray(body.billing)
      ? { items: body.billing, discounts: [] }
      : body.billing;
    const itemsKey = Array.isArray(body.billing) ? "billing" : "billing.items";
    const fields = unknownResources(state, installation.id, [
      ...refsOf(itemsKey, items),
      ...refsOf("billing.discounts", discounts),
      ...refsOf("usage", body.usage),
    ]);
    if (fields.length > 0) {
      throw ApiError.invalid(fields);
    }
    store.submitBilling(installation.id, body);
    return c.body(null, 201);
  });

  routes.post("/v1/installations/:id/billing/balance", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "billing");
    const body = await readVercelBody(c, VercelBalancesRequest);
    const fields = unknownResources(state, installation.id, refsOf("balances", body.balances));
    if (fields.length > 0) {
      throw ApiError.invalid(fields);
    }
    store.submitBalances(installation.id, body.timestamp, body.balances);
    return c.body(null, 201);
  });

  return routes;
}
