import { ProvisionPurchaseRequest, ProvisionPurchaseResponse } from "../../protocol/billing.ts";
import { requestContext } from "../request-context.ts";
import type { RouteOptions } from "../route-deps.ts";
import { errorResponse, installationNotFound } from "../route-responses.ts";
import { defineRoute, type Route } from "../route-spec.ts";

/** Spec §4.15: user auth for a purchase, system auth for Vercel's automatic top-ups. */
export const billingRoutes: readonly Route<RouteOptions>[] = [
  defineRoute({
    method: "post",
    path: "/v1/installations/:installationId/billing/provision",
    tag: "Billing",
    section: "§4.15",
    summary: "Provision Purchase",
    description:
      "Credits the prepaid balances bought with a paid Vercel invoice; the same invoice never credits twice.",
    auth: { kind: "vercel", allow: ["user", "system"], write: true },
    idempotent: true,
    body: { schema: ProvisionPurchaseRequest },
    responses: {
      200: { description: "The balances after the purchase", schema: ProvisionPurchaseResponse },
      404: installationNotFound,
      422: errorResponse("The invoice is not paid or buys no prepaid credit"),
    },
    handle: async (c, { invoiceId }, { billing }) =>
      c.json(
        await billing.provisionPurchase(
          requestContext(c),
          c.req.param("installationId"),
          invoiceId,
        ),
      ),
  }),
];
