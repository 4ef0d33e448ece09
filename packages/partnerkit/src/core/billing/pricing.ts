import { z } from "zod";
import { BillingPlan } from "../../protocol/common.ts";
import { DecimalString, formatCents, lineCents, MoneyString } from "../../protocol/money.ts";
import type { VercelBillingItem, VercelDiscount } from "../../protocol/vercel-api.ts";

/**
 * What a plan charges per billing period: a fixed amount, or a price per unit of a meter
 * (`unitPrice` for every `per` units, e.g. "0.20" per 100,000 requests), with `included` units free.
 */
export const PlanPrice = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("fixed"), name: z.string().min(1), amount: MoneyString }),
  z.strictObject({
    type: z.literal("usage"),
    meter: z.string().min(1),
    name: z.string().min(1),
    unitPrice: DecimalString,
    per: z.number().int().positive().optional(),
    units: z.string().min(1),
    included: z.number().nonnegative().optional(),
  }),
]);
export type PlanPrice = z.infer<typeof PlanPrice>;

/** A plan as a provider declares it: Vercel's BillingPlan plus the prices only the partner sees. */
export const PricedPlan = BillingPlan.extend({ prices: z.array(PlanPrice).optional() });
export type PricedPlan = z.infer<typeof PricedPlan>;

export interface PricedLines {
  items: VercelBillingItem[];
  discounts: VercelDiscount[];
  /** Items minus discounts, in cents. */
  totalCents: number;
}

/**
 * Part of a period on a plan after a plan change: its lines carry `start`/`end` (spec §5.12), and
 * fixed amounts and included units count for the share of the period's time it covers.
 */
export interface Proration {
  start: string;
  end: string;
  /** Milliseconds on the plan, and in the whole period. */
  part: number;
  whole: number;
}

/**
 * The lines of a period (or, with `proration`, part of one) on a plan, from the quantity of each
 * meter; `resourceId` undefined for installation-level lines. Prorated fixed amounts are rounded
 * half up to the cent per line, prorated included units half up to a whole unit.
 */
export function priceLines(
  plan: PricedPlan,
  resourceId: string | undefined,
  quantities: ReadonlyMap<string, number>,
  proration?: Proration,
): PricedLines {
  const items: VercelBillingItem[] = [];
  const discounts: VercelDiscount[] = [];
  let totalCents = 0;
  const line = {
    billingPlanId: plan.id,
    ...(resourceId !== undefined && { resourceId }),
    ...(proration && { start: proration.start, end: proration.end }),
  };
  for (const price of plan.prices ?? []) {
    if (price.type === "fixed") {
      const cents = proration
        ? lineCents(proration.part, price.amount, proration.whole)
        : lineCents(1, price.amount);
      items.push({
        ...line,
        name: price.name,
        price: price.amount,
        quantity: proration ? proration.part / proration.whole : 1,
        units: "period",
        total: formatCents(cents),
      });
      totalCents += cents;
      continue;
    }
    const per = price.per ?? 1;
    const quantity = quantities.get(price.meter) ?? 0;
    const cents = lineCents(quantity, price.unitPrice, per);
    items.push({
      ...line,
      name: price.name,
      price: price.unitPrice,
      quantity: quantity / per,
      units: price.units,
      total: formatCents(cents),
    });
    totalCents += cents;
    const included = proration
      ? Math.round(((price.included ?? 0) * proration.part) / proration.whole)
      : (price.included ?? 0);
    const free = Math.min(included, quantity);
    const freeCents = free > 0 ? lineCents(free, price.unitPrice, per) : 0;
    if (freeCents > 0) {
      discounts.push({
        ...line,
        name: `${price.name}: included`,
        details: `${free / per} ${price.units} included in the plan`,
        amount: formatCents(freeCents),
      });
      totalCents -= freeCents;
    }
  }
  return { items, discounts, totalCents };
}

/** What prepaid usage costs: the per-unit prices, without included units (spec §10 drawdown). */
export function usageCostCents(plan: PricedPlan, quantities: ReadonlyMap<string, number>): number {
  let cents = 0;
  for (const price of plan.prices ?? []) {
    if (price.type === "usage") {
      cents += lineCents(quantities.get(price.meter) ?? 0, price.unitPrice, price.per ?? 1);
    }
  }
  return cents;
}
