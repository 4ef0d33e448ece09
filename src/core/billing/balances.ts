import type { Balance } from "../../protocol/billing.ts";
import { formatCents } from "../../protocol/money.ts";
import type { InstallationRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import { billableResources } from "./billable.ts";
import { usageCostCents } from "./pricing.ts";
import { meterQuantities } from "./usage-totals.ts";

/**
 * Prepaid balances (spec §3.4 Balance, §5.14), computed from durable facts only — the credits of
 * paid purchase invoices minus the priced usage of prepayment resources — so reporting them twice
 * reports the same. Usage draws its resource's own credit first, then the installation-level
 * credit (our choice; the spec does not say how the two combine).
 */
export async function prepaidBalances(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
): Promise<Balance[]> {
  const credits = await store.billing.credits(installation.id);
  const creditOf = (resourceId?: string) =>
    credits
      .filter((credit) => credit.resourceId === resourceId)
      .reduce((sum, credit) => sum + credit.cents, 0);
  const billables = await billableResources(integration, store, installation);
  const prepaid = billables.filter(
    ({ resource, plan }) =>
      plan?.type === "prepayment" || credits.some((credit) => credit.resourceId === resource.id),
  );
  const rows = await store.billing.usage(prepaid.map(({ resource }) => resource.id));
  const balances: Balance[] = [];
  let overdraft = 0;
  for (const { resource, product, plan } of prepaid) {
    const used =
      plan?.type === "prepayment"
        ? usageCostCents(plan, meterQuantities(rows, resource.id, product.meters))
        : 0;
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

function balance(cents: number, resourceId?: string): Balance {
  return {
    currencyValueInCents: cents,
    credit: `${cents < 0 ? "-" : ""}$${formatCents(Math.abs(cents))}`,
    ...(resourceId !== undefined && { resourceId }),
  };
}
