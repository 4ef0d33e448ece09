import type { IntegrationSetup } from "partnerkit";
import { defineIntegration } from "partnerkit";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { NOOP_CHECK } from "./workload.ts";

/**
 * Acme KV as `partnerkit start --integration` serves it, each product with a check that does
 * nothing: the check turnaround then measures the framework's path alone.
 */
export default async function acmeKvWithNoopCheck(setup: IntegrationSetup) {
  const acme = await acmeKv(setup);
  return defineIntegration({
    ...acme,
    products: acme.products.map((product) => ({
      ...product,
      checks: {
        ...product.checks,
        [NOOP_CHECK]: { run: async () => ({ conclusion: "succeeded" as const }) },
      },
    })),
  });
}
