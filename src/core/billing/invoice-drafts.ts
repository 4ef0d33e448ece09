import type { VercelSubmitInvoiceRequest } from "../../protocol/vercel-api.ts";
import type { NewInvoice } from "../../store/billing-queries.ts";
import type { InstallationRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import { isFreePlan } from "../plans.ts";
import { billableResources } from "./billable.ts";
import { type BillingPeriod, dayOf, lastDayOf } from "./period.ts";
import { priceLines } from "./pricing.ts";
import { meterQuantities } from "./usage-totals.ts";

export type InvoiceTest = NonNullable<VercelSubmitInvoiceRequest["test"]>;

export interface DraftOptions {
  /** When the invoice is dated; clamped into the period (spec §5.13: `invoiceDate` within it). */
  at: Date;
  final?: boolean;
  test?: InvoiceTest;
}

/**
 * The `externalId` of a resource's invoice for a plan and a period: one invoice per resource per
 * period per plan (spec §5.13), so a second submission of it is the same invoice to Vercel.
 */
export const invoiceExternalId = (resourceId: string, planId: string, period: BillingPeriod) =>
  `${resourceId}-${planId}-${period.start.slice(0, 7)}`;

/**
 * What the installation owes for a period, one invoice per resource on a priced subscription plan;
 * nothing is drafted for a zero total. Prepayment plans are never invoiced by the partner: Vercel
 * sells their credits itself (spec §5.13).
 */
export async function draftInvoices(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
  period: BillingPeriod,
  options: DraftOptions,
): Promise<NewInvoice[]> {
  const billables = (await billableResources(integration, store, installation, period)).filter(
    ({ plan }) => plan?.type === "subscription" && !isFreePlan(plan) && plan.prices?.length,
  );
  const rows = await store.billing.usage(
    billables.map(({ resource }) => resource.id),
    { fromDay: dayOf(period.start), toDay: lastDayOf(period) },
  );
  const lastInstant = Date.parse(period.end) - 1;
  const invoiceDate = new Date(Math.min(options.at.getTime(), lastInstant)).toISOString();
  const drafts: NewInvoice[] = [];
  for (const { resource, product, plan } of billables) {
    if (!plan) continue;
    const lines = priceLines(plan, resource.id, meterQuantities(rows, resource.id, product.meters));
    if (lines.totalCents <= 0) continue;
    const externalId = invoiceExternalId(resource.id, plan.id, period);
    const request: VercelSubmitInvoiceRequest = {
      externalId,
      invoiceDate,
      period,
      items: lines.items,
      ...(lines.discounts.length > 0 && { discounts: lines.discounts }),
      ...(options.final && { final: true }),
      ...(options.test && { test: options.test }),
    };
    drafts.push({
      externalId,
      installationId: installation.id,
      resourceId: resource.id,
      billingPlanId: plan.id,
      periodStart: period.start,
      periodEnd: period.end,
      request,
      totalCents: lines.totalCents,
    });
  }
  return drafts;
}
