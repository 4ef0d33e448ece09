import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import type { KvStore } from "../../examples/acme-kv/src/kv-store.ts";
import { acmeKvPlans } from "../../examples/acme-kv/src/plans.ts";
import type { PricedPlan } from "../../packages/partnerkit/src/core/billing/pricing.ts";
import {
  defineIntegration,
  type Product,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { PUBLIC_URL } from "../support/partner-app.ts";

function acmeKvProduct(kv: KvStore): Product {
  const [product] = acmeKvIntegration({ kv, publicUrl: PUBLIC_URL }).products;
  if (!product) throw new Error("Acme KV has no product");
  return product;
}

/** $10.00 a month, requests at $0.50 per 100,000 with 100,000 included. */
export const STARTER: PricedPlan = {
  id: "starter",
  type: "subscription",
  name: "Starter",
  description: "Small stores",
  prices: [
    { type: "fixed", name: "Starter plan", amount: "10.00" },
    {
      type: "usage",
      meter: "requests",
      name: "Requests",
      unitPrice: "0.50",
      per: 100_000,
      units: "100K requests",
      included: 100_000,
    },
  ],
};

/** Acme KV with a second priced subscription plan, so a resource can move between two. */
export function acmeKvWithStarter(kv: KvStore) {
  const product = acmeKvProduct(kv);
  return defineIntegration({
    products: [{ ...product, plans: (query) => [STARTER, ...acmeKvPlans(query)] }],
  });
}

/**
 * Acme KV billed at installation level: every installation starts on the free `hobby` plan and
 * may move to `team` ($50.00 a month, builds at $0.01 with 1,500 included), metered on the
 * installation's own `builds` meter.
 */
export function acmeKvByInstallation(kv: KvStore) {
  return defineIntegration({
    billing: "installation",
    defaultInstallationPlanId: "hobby",
    installationPlans: [
      {
        id: "hobby",
        type: "subscription",
        name: "Hobby",
        description: "Free",
        scope: "installation",
        paymentMethodRequired: false,
      },
      {
        id: "team",
        type: "subscription",
        name: "Team",
        description: "One price for the team",
        scope: "installation",
        prices: [
          { type: "fixed", name: "Team plan", amount: "50.00" },
          {
            type: "usage",
            meter: "builds",
            name: "Builds",
            unitPrice: "0.01",
            units: "builds",
            included: 1_500,
          },
        ],
      },
    ],
    meters: { builds: { name: "Builds", type: "interval", units: "builds" } },
    products: [acmeKvProduct(kv)],
  });
}
