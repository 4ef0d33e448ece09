import type { BillingPlan, JsonObject } from "../../protocol/common.ts";
import type { PartnerClient } from "../partner-client.ts";
import type { ConsoleProduct } from "./pages.ts";

/**
 * Whether a plan costs nothing, so Vercel's form hides `ui:paid-only` fields while it is chosen.
 * UNCONFIRMED how Vercel decides: a subscription priced "$0"/"Free", or one that needs no payment
 * method (Partnerkit's own test for a free plan), counts as free.
 */
export function isFreePlan(plan: BillingPlan): boolean {
  if (plan.type !== "subscription") return false;
  if (plan.cost !== undefined && /^\s*(free|\$?0+(\.0+)?)\s*$/i.test(plan.cost)) return true;
  return plan.paymentMethodRequired === false;
}

/** The plan the form has chosen: the one named, else the first selectable one (as the form ticks). */
export function chosenPlan(plans: BillingPlan[], billingPlanId?: string): BillingPlan | undefined {
  return billingPlanId
    ? plans.find((plan) => plan.id === billingPlanId)
    : (plans.find((plan) => !plan.disabled) ?? plans[0]);
}

/**
 * Whether the plan a posted create form names is a paid one. Only asked of the partner when a
 * field is paid-only; a plan list the partner cannot give counts as paid (nothing is withheld).
 */
export async function paidPlanChosen(
  partner: Pick<PartnerClient, "productPlans">,
  product: ConsoleProduct | undefined,
  metadata: JsonObject,
  billingPlanId: string,
): Promise<boolean> {
  const fields = Object.values(product?.metadataSchema?.properties ?? {});
  if (!product || !fields.some((field) => field["ui:paid-only"])) return true;
  try {
    const plan = chosenPlan(
      await partner.productPlans(product.id, metadata),
      billingPlanId || undefined,
    );
    return plan ? !isFreePlan(plan) : true;
  } catch {
    return true;
  }
}
