import type {
  VercelBillingDataRequest,
  VercelBillingItem,
  VercelDiscount,
  VercelUsage,
} from "../../protocol/vercel-api.ts";
import type { InstallationRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import { billableResources } from "./billable.ts";
import { dayOf, endOfDay, periodOf } from "./period.ts";
import { priceLines } from "./pricing.ts";
import { meterQuantities, usageLines } from "./usage-totals.ts";

/**
 * Spec §5.12 as of `at`: running totals of the period so far, priced on each resource's
 * subscription plan, in the `{ items, discounts }` form. Built from the counters alone, so a
 * retried submission sends the same totals and never adds usage twice. Undefined when the
 * installation had no resource in the period.
 */
export async function billingData(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
  at: Date,
): Promise<VercelBillingDataRequest | undefined> {
  const period = periodOf(at);
  const billables = await billableResources(integration, store, installation, period);
  if (billables.length === 0) return undefined;
  const day = dayOf(at);
  const rows = await store.billing.usage(
    billables.map(({ resource }) => resource.id),
    { fromDay: dayOf(period.start), toDay: day },
  );
  const items: VercelBillingItem[] = [];
  const discounts: VercelDiscount[] = [];
  const usage: VercelUsage[] = [];
  for (const { resource, product, plan } of billables) {
    usage.push(...usageLines(rows, resource.id, product.meters, day));
    if (plan?.type !== "subscription") continue;
    const lines = priceLines(plan, resource.id, meterQuantities(rows, resource.id, product.meters));
    items.push(...lines.items);
    discounts.push(...lines.discounts);
  }
  return {
    timestamp: at.toISOString(),
    eod: endOfDay(at, period),
    period,
    billing: { items, discounts },
    usage,
  };
}
