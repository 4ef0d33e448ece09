import type { VercelSubmitInvoiceRequest } from "../../protocol/vercel-api.ts";
import type { NewInvoice } from "../../store/billing-queries.ts";
import type { InstallationRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import { isFreePlan } from "../plans.ts";
import { type BilledSubject, billedSubjects, type PricedSpan, subjectUsage } from "./billable.ts";
import { BillingReads } from "./billing-reads.ts";
import { type BillingPeriod, dayOf, lastDayOf } from "./period.ts";
import type { PricedLines, PricedPlan } from "./pricing.ts";
import { spanLines } from "./span-lines.ts";

export type InvoiceTest = NonNullable<VercelSubmitInvoiceRequest["test"]>;

export interface DraftOptions {
  /** When the invoice is dated; clamped into the period (spec §5.13: `invoiceDate` within it). */
  at: Date;
  final?: boolean;
  test?: InvoiceTest;
}

/**
 * The `externalId` of an invoice for a plan and a period: one invoice per resource (or, billed at
 * installation level, per installation) per period per plan (spec §5.13), so a second submission
 * of it is the same invoice to Vercel.
 */
export const invoiceExternalId = (ownerId: string, planId: string, period: BillingPeriod) =>
  `${ownerId}-${planId}-${period.start.slice(0, 7)}`;

/**
 * What the installation owes for a period: one invoice per resource, or the installation itself,
 * per priced subscription plan it was on, with a plan's spans of the period as its lines; nothing
 * is drafted for a zero total. Prepayment plans are never invoiced by the partner: Vercel sells
 * their credits itself (spec §5.13).
 */
export async function draftInvoices(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
  period: BillingPeriod,
  options: DraftOptions,
): Promise<NewInvoice[]> {
  const reads = new BillingReads(integration, store, installation);
  const subjects = await billedSubjects(reads, period);
  const rows = await subjectUsage(reads, period, subjects, {
    fromDay: dayOf(period.start),
    toDay: lastDayOf(period),
  });
  const lastInstant = Date.parse(period.end) - 1;
  const invoiceDate = new Date(Math.min(options.at.getTime(), lastInstant)).toISOString();
  const drafts: NewInvoice[] = [];
  for (const subject of subjects) {
    for (const [plan, spans] of invoicedPlans(subject)) {
      const lines = combined(
        spans.map((span) => spanLines(subject, { ...span, plan }, period, rows)),
      );
      if (lines.totalCents <= 0) continue;
      const externalId = invoiceExternalId(subject.resourceId ?? installation.id, plan.id, period);
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
        ...(subject.resourceId !== undefined && { resourceId: subject.resourceId }),
        billingPlanId: plan.id,
        periodStart: period.start,
        periodEnd: period.end,
        request,
        totalCents: lines.totalCents,
      });
    }
  }
  return drafts;
}

/** The subject's spans on each priced subscription plan, by plan (a plan may come back). */
function invoicedPlans(subject: BilledSubject): Map<PricedPlan, PricedSpan[]> {
  const byPlan = new Map<PricedPlan, PricedSpan[]>();
  for (const span of subject.spans) {
    const { plan } = span;
    if (plan?.type !== "subscription" || isFreePlan(plan) || !plan.prices?.length) continue;
    byPlan.set(plan, [...(byPlan.get(plan) ?? []), span]);
  }
  return byPlan;
}

function combined(parts: PricedLines[]): PricedLines {
  return {
    items: parts.flatMap((part) => part.items),
    discounts: parts.flatMap((part) => part.discounts),
    totalCents: parts.reduce((sum, part) => sum + part.totalCents, 0),
  };
}
