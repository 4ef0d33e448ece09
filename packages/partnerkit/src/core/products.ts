import type { BillingPlan, JsonObject } from "../protocol/common.ts";
import type { Integration } from "./define-integration.ts";
import { PartnerError } from "./partner-error.ts";
import { resolvePlans } from "./plans.ts";

/** Spec §4.12: may be called before any installation exists, so it needs none. */
export async function productPlans(
  integration: Integration,
  productId: string,
  metadata: JsonObject,
): Promise<BillingPlan[]> {
  const product = integration.product(productId);
  if (!product) throw PartnerError.notFound(`Product ${productId} not found`);
  return resolvePlans(product.plans, { metadata });
}
