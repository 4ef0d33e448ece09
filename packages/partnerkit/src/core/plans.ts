import { z } from "zod";
import type { BillingPlan, JsonObject } from "../protocol/common.ts";
import type { InstallationRecord } from "../store/records.ts";
import { PricedPlan } from "./billing/pricing.ts";
import type { Integration, PlanQuery, PlanSource, Product } from "./define-integration.ts";
import { PartnerError } from "./partner-error.ts";

const PricedPlanList = z.array(PricedPlan);

/**
 * Validated copies of frozen plan lists. Validating plans was the largest cost of a resource read
 * after the token; a list frozen with `constantPlans` (static lists are, by `defineIntegration`)
 * cannot change, so it is validated once. Any other list is validated on every call.
 */
const validatedPlans = new WeakMap<readonly PricedPlan[], PricedPlan[]>();

/** Resolves a static or computed plan list with its prices; a malformed plan is a bug (500). */
export async function resolvePricedPlans(
  source: PlanSource,
  query: PlanQuery,
): Promise<PricedPlan[]> {
  const plans = typeof source === "function" ? await source(query) : source;
  if (!Object.isFrozen(plans)) return PricedPlanList.parse(plans);
  let validated = validatedPlans.get(plans);
  if (!validated) {
    validated = deepFreeze(PricedPlanList.parse(plans));
    validatedPlans.set(plans, validated);
  }
  return validated;
}

/**
 * Marks a plan list as constant: frozen through and through, so that the framework validates it
 * once rather than on every request. For plan functions that return one of a few fixed lists.
 */
export function constantPlans(plans: PricedPlan[]): readonly PricedPlan[] {
  return deepFreeze(plans);
}

/** A static plan list is checked when the integration is defined, then kept as a constant. */
export function checkedPlans(source: PlanSource, owner: string): PlanSource {
  if (typeof source === "function") return source;
  const parsed = PricedPlanList.safeParse(source);
  if (!parsed.success) {
    throw new Error(`${owner} declares invalid plans: ${z.prettifyError(parsed.error)}`);
  }
  return constantPlans(parsed.data);
}

/** The plans as Vercel sees them: prices are the partner's own and are not sent. */
export async function resolvePlans(source: PlanSource, query: PlanQuery): Promise<BillingPlan[]> {
  return withoutPrices(await resolvePricedPlans(source, query));
}

const withoutPrices = (plans: PricedPlan[]): BillingPlan[] =>
  plans.map(({ prices: _prices, ...plan }) => plan);

/** Nothing can be owed on a plan that is a subscription without a payment method. */
export function isFreePlan(plan: BillingPlan): boolean {
  return plan.type === "subscription" && plan.paymentMethodRequired === false;
}

/** The installation's own plans, or else every product's plans (spec §4.14: they may mix). */
export async function pricedInstallationPlans(
  integration: Integration,
  installation: InstallationRecord | undefined,
): Promise<PricedPlan[]> {
  const query = { metadata: {}, installation };
  if (integration.installationPlans)
    return resolvePricedPlans(integration.installationPlans, query);
  const lists = await Promise.all(
    integration.products.map((product) => resolvePricedPlans(product.plans, query)),
  );
  const unique = new Map(lists.flat().map((plan) => [plan.id, plan]));
  return [...unique.values()];
}

/** `pricedInstallationPlans` as Vercel sees them. */
export async function installationPlans(
  integration: Integration,
  installation: InstallationRecord | undefined,
): Promise<BillingPlan[]> {
  return withoutPrices(await pricedInstallationPlans(integration, installation));
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const nested of Object.values(value)) deepFreeze(nested);
    Object.freeze(value);
  }
  return value;
}
