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

/** The lines of one resource's period on a plan, from the period's quantity of each meter. */
export function priceLines(
  plan: PricedPlan,
  resourceId: string,
  quantities: ReadonlyMap<string, number>,
): PricedLines {
  const items: VercelBillingItem[] = [];
  const discounts: VercelDiscount[] = [];
  let totalCents = 0;
  const line = { billingPlanId: plan.id, resourceId };
  for (const price of plan.prices ?? []) {
    if (price.type === "fixed") {
      const cents = lineCents(1, price.amount);
      items.push({
        ...line,
        name: price.name,
        price: price.amount,
        quantity: 1,
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
    const free = Math.min(price.included ?? 0, quantity);
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
