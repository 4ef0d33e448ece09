import { z } from "zod";
import type { JsonObject } from "../protocol/common.ts";
import { BillingPlan } from "../protocol/common.ts";
import type { InstallationRecord } from "../store/records.ts";
import type { Integration, PlanQuery, PlanSource, Product } from "./define-integration.ts";
import { PartnerError } from "./partner-error.ts";

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

/** The installation's own plans, or else every product's plans (spec §4.14: they may mix). */
export async function installationPlans(
  integration: Integration,
  installation: InstallationRecord | undefined,
): Promise<BillingPlan[]> {
  const query = { metadata: {}, installation };
  if (integration.installationPlans) return resolvePlans(integration.installationPlans, query);
  const lists = await Promise.all(
    integration.products.map((product) => resolvePlans(product.plans, query)),
  );
  const unique = new Map(lists.flat().map((plan) => [plan.id, plan]));
  return [...unique.values()];
}

/** The plan with this id, unless it is unknown or disabled (a 400 naming `billingPlanId`). */
export function selectable(plans: BillingPlan[], billingPlanId: string, of: string): BillingPlan {
  const plan = plans.find((candidate) => candidate.id === billingPlanId);
  if (!plan || plan.disabled) {
    throw PartnerError.validation("Unknown or unavailable billing plan", [
      { key: "billingPlanId", message: `No selectable plan ${billingPlanId}${of}` },
    ]);
  }
  return plan;
}

/** A plan of the product that a resource with this metadata may take. */
export async function selectableProductPlan(
  product: Product,
  metadata: JsonObject,
  installation: InstallationRecord,
  billingPlanId: string,
): Promise<BillingPlan> {
  const plans = await resolvePlans(product.plans, { metadata, installation });
  return selectable(plans, billingPlanId, ` for product ${product.id}`);
}
