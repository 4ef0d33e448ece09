import type { PlanQuery } from "../../core/define-integration.ts";
import type { BillingPlan } from "../../protocol/common.ts";

/** Frankfurt costs a little more, to show plans that follow the form's values (spec §4.12). */
const PRO_MONTHLY: Record<string, string> = { iad1: "20.00", fra1: "24.00", sfo1: "20.00" };

export function acmeKvPlans({ metadata }: PlanQuery): BillingPlan[] {
  const region = typeof metadata.region === "string" ? metadata.region : "iad1";
  const monthly = PRO_MONTHLY[region] ?? PRO_MONTHLY.iad1;
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
        { label: "Requests", value: "$0.20 per 100,000" },
        { label: "Storage", value: "$0.25 per GB-month" },
      ],
    },
    {
      id: "credits",
      type: "prepayment",
      name: "Credits",
      description: "Buy credits up front; usage draws them down.",
      minimumAmount: "10.00",
      maximumAmount: "1000.00",
    },
  ];
}
