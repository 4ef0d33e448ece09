import { z } from "zod";
import { BillingPlan } from "../protocol/common.ts";
import type { PlanQuery, PlanSource } from "./define-integration.ts";

const PlanList = z.array(BillingPlan);

/** Resolves a static or computed plan list; a provider returning a malformed plan is a bug (500). */
export async function resolvePlans(source: PlanSource, query: PlanQuery): Promise<BillingPlan[]> {
  const plans = typeof source === "function" ? await source(query) : source;
  return PlanList.parse(plans);
}

/** Nothing can be owed on a plan that is a subscription without a payment method. */
export function isFreePlan(plan: BillingPlan): boolean {
  return plan.type === "subscription" && plan.paymentMethodRequired === false;
}
