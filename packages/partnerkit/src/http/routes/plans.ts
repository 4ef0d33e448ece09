import { productPlans } from "../../core/products.ts";
import { PlansResponse } from "../../protocol/common.ts";
import { metadataParameter, metadataQuery } from "../metadata-query.ts";
import { requestContext } from "../request-context.ts";
import type { RouteOptions } from "../route-deps.ts";
import { errorResponse, installationNotFound } from "../route-responses.ts";
import { defineRoute, type Route, type RouteAuth } from "../route-spec.ts";

const READ: RouteAuth = { kind: "vercel", allow: ["system", "user"], write: false };

/** Spec §4.12 and §4.14. */
export const planRoutes: readonly Route<RouteOptions>[] = [
  defineRoute({
    method: "get",
    path: "/v1/products/:productSlug/plans",
    tag: "Plans",
    section: "§4.12",
    summary: "List Billing Plans For Product",
    description:
      "Asked while a user fills in the product form, possibly before any installation exists (a system token without installation).",
    auth: READ,
    query: [metadataParameter],
    responses: {
      200: { description: "The product's plans", schema: PlansResponse },
      400: errorResponse("`metadata` is not a JSON object"),
      404: errorResponse("No such product"),
    },
    handle: async (c, _body, { integration }) => {
      const plans = await productPlans(
        integration,
        c.req.param("productSlug"),
        metadataQuery(c) ?? {},
      );
      return c.json({ plans });
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/installations/:installationId/plans",
    tag: "Plans",
    section: "§4.14",
    summary: "List Billing Plans For Installation",
    description: "May mix installation- and resource-scoped plans.",
    auth: READ,
    responses: {
      200: { description: "The plans", schema: PlansResponse },
      404: installationNotFound,
    },
    handle: async (c, _body, { installations }) => {
      const installation = await installations.require(
        requestContext(c),
        c.req.param("installationId"),
      );
      return c.json({ plans: await installations.installationPlans(installation) });
    },
  }),
];
