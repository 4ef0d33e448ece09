import { billingData } from "../core/billing/billing-data.ts";
import { BillingReads } from "../core/billing/billing-reads.ts";
import { periodOf } from "../core/billing/period.ts";
import type { Integration } from "../core/define-integration.ts";
import { resolvePricedPlans } from "../core/plans.ts";
import type { InvoiceRecord } from "../store/billing-queries.ts";
import type { InstallationRecord, ResourceRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
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
    planId: resource.billingPlanId,
    planName,
    status: resource.status,
  };
}

/** One meter of a resource in the current billing period, as the usage table shows it. */
export interface UsageLine {
  name: string;
  units: string;
  periodValue: number;
  dayValue: number;
}

export interface PeriodUsage {
  /** The billing period `at` falls in, as ISO dates. */
  period: { start: string; end: string };
  /** Usage per resource id (`""` for the installation's own meters). */
  byResource: Map<string, UsageLine[]>;
}

/**
 * The usage of the period so far, exactly as the next billing data submission sends it to
 * Vercel (spec §5.12): read from the same counters through `billingData`, not from SQL of its own.
 */
export async function periodUsage(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
  at: Date,
): Promise<PeriodUsage> {
  const data = await billingData(new BillingReads(integration, store, installation), at);
  const byResource = new Map<string, UsageLine[]>();
  for (const line of data?.usage ?? []) {
    const key = line.resourceId ?? "";
    const lines = byResource.get(key) ?? [];
    lines.push({
      name: line.name,
      units: line.units,
      periodValue: line.periodValue,
      dayValue: line.dayValue,
    });
    byResource.set(key, lines);
  }
  return { period: data?.period ?? periodOf(at), byResource };
}

/** An invoice as the billing page lists it: the resource by name, the total in dollars. */
export interface InvoiceLine {
  subject: string;
  planName: string;
  period: { start: string; end: string };
  total: string;
  state: string;
  vercelInvoiceId: string | null;
}

export function invoiceLines(
  invoices: InvoiceRecord[],
  resources: ReadonlyMap<string, ResourceSummary>,
): InvoiceLine[] {
  return [...invoices]
    .sort((a, b) => b.periodStart.localeCompare(a.periodStart))
    .map((invoice) => {
      const resource = invoice.resourceId ? resources.get(invoice.resourceId) : undefined;
      return {
        subject: invoice.resourceId ? (resource?.name ?? "A deleted resource") : "Installation",
        planName:
          resource && resource.planId === invoice.billingPlanId
            ? resource.planName
            : invoice.billingPlanId,
        period: { start: invoice.periodStart, end: invoice.periodEnd },
        total: dollars(invoice.totalCents),
        state: invoice.state,
        vercelInvoiceId: invoice.vercelInvoiceId,
      };
    });
}

export const dollars = (cents: number) =>
  `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
