import { z } from "zod";
import type { BillingPlan } from "../protocol/common.ts";
import { PricedPlan } from "./billing/pricing.ts";
import type { PlanQuery, PlanSource } from "./define-integration.ts";

const PricedPlanList = z.array(PricedPlan);

/** Resolves a static or computed plan list with its prices; a malformed plan is a bug (500). */
export async function resolvePricedPlans(
  source: PlanSource,
  query: PlanQuery,
): Promise<PricedPlan[]> {
  const plans = typeof source === "function" ? await source(query) : source;
  return PricedPlanList.parse(plans);
}

/** The plans as Vercel sees them: prices are the partner's own and are not sent. */
export async function resolvePlans(source: PlanSource, query: PlanQuery): Promise<BillingPlan[]> {
  const plans = await resolvePricedPlans(source, query);
  return plans.map(({ prices: _prices, ...plan }) => plan);
}

/** Nothing can be owed on a plan that is a subscription without a payment method. */
export function isFreePlan(plan: BillingPlan): boolean {
  return plan.type === "subscription" && plan.paymentMethodRequired === false;
}
