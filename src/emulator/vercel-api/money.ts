import type { VercelBillingItem, VercelDiscount } from "../../protocol/vercel-api.ts";

/** Cents of a decimal USD string; money on the wire has at most two decimals (spec §5.13). */
export function toCents(amount: string): number {
  return Math.round(Number(amount) * 100);
}

export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, "0")}`;
}

/** Items minus discounts, what Get Invoice reports as `total`. */
export function invoiceTotalCents(items: VercelBillingItem[], discounts: VercelDiscount[] = []) {
  const gross = items.reduce((sum, item) => sum + toCents(item.total), 0);
  return gross - discounts.reduce((sum, discount) => sum + toCents(discount.amount), 0);
}
