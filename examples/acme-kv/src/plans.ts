import type { MeterDefinition, PlanPrice, PlanQuery, PricedPlan } from "partnerkit";
import { constantPlans } from "partnerkit";

/** Frankfurt costs a little more, to show plans that follow the form's values (spec §4.12). */
const PRO_MONTHLY: Record<string, string> = { iad1: "20.00", fra1: "24.00", sfo1: "20.00" };

/** Requests served (consumption) and bytes stored (a level), DESIGN §3. */
export const ACME_KV_METERS: Record<string, MeterDefinition> = {
  requests: { name: "Requests", type: "interval", units: "requests" },
  storage: { name: "Storage", type: "total", units: "bytes" },
};

const REQUESTS = {
  type: "usage",
  meter: "requests",
  name: "Requests",
  unitPrice: "0.20",
  per: 100_000,
  units: "100K requests",
} satisfies PlanPrice;

/** One constant list per Pro price, so the framework validates each once (see `constantPlans`). */
const plansByProPrice = new Map<string, readonly PricedPlan[]>();

export function acmeKvPlans({ metadata }: PlanQuery): readonly PricedPlan[] {
  const region = typeof metadata.region === "string" ? metadata.region : "iad1";
  const monthly = PRO_MONTHLY[region] ?? "20.00";
  let plans = plansByProPrice.get(monthly);
  if (!plans) {
    plans = constantPlans(pricedPlans(monthly));
    plansByProPrice.set(monthly, plans);
  }
  return plans;
}

function pricedPlans(monthly: string): PricedPlan[] {
  return [
    {
      id: "free",
      type: "subscription",
      name: "Free",
      description: "10,000 requests a day and 256 MB of storage.",
      paymentMethodRequired: false,
      cost: "$0",
      details: [
        { label: "Requests", value: "10,000 / day" },
        { label: "Storage", value: "256 MB" },
      ],
    },
    {
      id: "pro",
      type: "subscription",
      name: "Pro",
      description: "Unlimited requests, billed on usage.",
      paymentMethodRequired: true,
      cost: `$${monthly}/month + usage`,
      details: [
        { label: "Requests", value: "100,000 included, then $0.20 per 100,000" },
        { label: "Storage", value: "$0.25 per GB at the month's peak" },
      ],
      prices: [
        { type: "fixed", name: "Pro plan", amount: monthly },
        { ...REQUESTS, included: 100_000 },
        {
          type: "usage",
          meter: "storage",
          name: "Storage",
          unitPrice: "0.25",
          per: 1_000_000_000,
          units: "GB",
        },
      ],
    },
    {
      id: "credits",
      type: "prepayment",
      name: "Credits",
      description: "Buy credits up front; usage draws them down.",
      minimumAmount: "10.00",
      maximumAmount: "1000.00",
      details: [{ label: "Requests", value: "$0.20 per 100,000, from your credit" }],
      prices: [REQUESTS],
    },
  ];
}
