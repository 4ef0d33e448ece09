import { toCents } from "../../protocol/money.ts";
import type { VercelBillingItem, VercelDiscount } from "../../protocol/vercel-api.ts";

export { formatCents, toCents } from "../../protocol/money.ts";

/** Items minus discounts, what Get Invoice reports as `total`. */
export function invoiceTotalCents(items: VercelBillingItem[], discounts: VercelDiscount[] = []) {
  const gross = items.reduce((sum, item) => sum + toCents(item.total), 0);
  return gross - discounts.reduce((sum, discount) => sum + toCents(discount.amount), 0);
}
