import type { Balance } from "../../protocol/billing.ts";
import { formatCents } from "../../protocol/money.ts";
import { type PricedSpan, resourceSpans } from "./billable.ts";
import type { BillingReads } from "./billing-reads.ts";
import { spanHasDay } from "./plan-spans.ts";
import { type PricedPlan, usageCostCents } from "./pricing.ts";
import { meterQuantities } from "./usage-totals.ts";

/**
 * Prepaid balances (spec §3.4 Balance, §5.14), computed from durable facts only — the credits of
 * paid purchase invoices minus the priced usage of prepayment resources — so reporting them twice
 * reports the same. Usage draws its resource's own credit first, then the installation-level
 * credit (our choice; the spec does not say how the two combine).
 */
export async function prepaidBalances(reads: BillingReads): Promise<Balance[]> {
  const { store, installation } = reads;
  const credits = await reads.credits();
  const creditOf = (resourceId?: string) =>
    credits
      .filter((credit) => credit.resourceId === resourceId)
      .reduce((sum, credit) => sum + credit.cents, 0);
  const billables = await reads.billables();
  const history = await reads.planChanges(
    "resource",
    billables.map(({ resource }) => resource.id),
  );
  const prepaid = [];
  for (const { resource, product } of billables) {
    // Only the time spent on a prepayment plan draws credit, each stretch at its plan's prices.
    const spans = (await resourceSpans(product, resource, installation, history, ALL_TIME)).filter(
      (span): span is PricedSpan & { plan: PricedPlan } => span.plan?.type === "prepayment",
    );
    if (spans.length > 0 || credits.some((credit) => credit.resourceId === resource.id)) {
      prepaid.push({ resource, product, spans });
    }
  }
  const rows = await store.billing.usage(prepaid.map(({ resource }) => resource.id));
  const balances: Balance[] = [];
  let overdraft = 0;
  for (const { resource, product, spans } of prepaid) {
    let used = 0;
    for (const span of spans) {
      const days = rows.filter((row) => spanHasDay(span, row.day));
      used += usageCostCents(span.plan, meterQuantities(days, resource.id, product.meters));
    }
    const remaining = creditOf(resource.id) - used;
    overdraft += Math.max(0, -remaining);
    balances.push(balance(Math.max(0, remaining), resource.id));
  }
  const installationCredit = creditOf(undefined);
  if (installationCredit > 0 || overdraft > 0) {
    balances.unshift(balance(installationCredit - overdraft));
  }
  return balances;
}

/** Credit is drawn over a resource's whole life, not per billing period. */
const ALL_TIME = { start: "0000-01-01T00:00:00.000Z", end: "9999-12-31T23:59:59.999Z" };

function balance(cents: number, resourceId?: string): Balance {
  return {
    currencyValueInCents: cents,
    credit: `${cents < 0 ? "-" : ""}$${formatCents(Math.abs(cents))}`,
    ...(resourceId !== undefined && { resourceId }),
  };
}
