import type { InstallationRecord, ResourceRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration, Product } from "../define-integration.ts";
import { resolvePricedPlans } from "../plans.ts";
import type { BillingPeriod } from "./period.ts";
import type { PricedPlan } from "./pricing.ts";

/** A resource with what it is billed on. `plan` is undefined when its product no longer offers it. */
export interface Billable {
  resource: ResourceRecord;
  product: Product;
  plan: PricedPlan | undefined;
}

/**
 * The installation's resources that lived during `period` (deleted ones included: their usage up
 * to deletion is still owed), on their current plan. A plan change within a period bills the whole
 * period on the new plan (UNCONFIRMED simplification; spec §5.12 allows per-item start/end).
 */
export async function billableResources(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
  period?: BillingPeriod,
): Promise<Billable[]> {
  const resources = (await store.listResources(installation.id)).filter((resource) =>
    period
      ? resource.createdAt < period.end &&
        (!resource.deletedAt || resource.deletedAt >= period.start)
      : !resource.deletedAt,
  );
  const billables: Billable[] = [];
  for (const resource of resources) {
    const product = integration.product(resource.productId);
    if (!product) continue;
    const plans = await resolvePricedPlans(product.plans, {
      metadata: resource.metadata,
      installation,
    });
    billables.push({
      resource,
      product,
      plan: plans.find((candidate) => candidate.id === resource.billingPlanId),
    });
  }
  return billables;
}
