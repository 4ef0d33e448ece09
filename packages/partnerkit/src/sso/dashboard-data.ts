import type { Integration } from "../core/define-integration.ts";
import { resolvePricedPlans } from "../core/plans.ts";
import type { InstallationRecord, ResourceRecord } from "../store/records.ts";
import type { ResourceSummary } from "./dashboard-pages.ts";

/** The account's name as Vercel sent it at install, else the installation id. */
export const accountName = (installation: InstallationRecord) =>
  installation.account?.name?.trim() || installation.id;

/** A resource with its product's and plan's names in place of their ids, where they are known. */
export async function summarize(
  integration: Integration,
  installation: InstallationRecord,
  resource: ResourceRecord,
): Promise<ResourceSummary> {
  const product = integration.product(resource.productId);
  let planName = resource.billingPlanId;
  if (product) {
    try {
      const plans = await resolvePricedPlans(product.plans, {
        metadata: resource.metadata,
        installation,
      });
      planName = plans.find((plan) => plan.id === resource.billingPlanId)?.name ?? planName;
    } catch {
      // A plan function that fails must not take the dashboard down: the id is shown instead.
    }
  }
  return {
    id: resource.id,
    name: resource.name,
    productName: product?.name ?? resource.productId,
    planName,
    status: resource.status,
  };
}
