import { z } from "zod";

/** Decimal USD string, e.g. `"0.0004"` for a unit price. */
export const DecimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, "must be a decimal string such as 12.50");

/** Money totals have at most two decimals (spec §5.13). */
export const MoneyString = z
  .string()
  .regex(/^-?\d+(\.\d{1,2})?$/, "must be a decimal string with ≤ 2 decimals");

interface Scaled {
  digits: bigint;
  scale: bigint;
}

/** An exact decimal: `"12.345"` is 12345 over 10^3. Numbers go through their shortest decimal form. */
function scaled(value: string | number): Scaled {
  const text = typeof value === "number" ? decimalText(value) : value;
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`Not a decimal amount: ${text}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = BigInt(`${sign}${whole}${fraction}`);
  return { digits, scale: 10n ** BigInt(fraction.length) };
}

function decimalText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`Not a finite amount: ${value}`);
  // Exponent forms (1e-7, 1e21) are spelled out; 20 digits is toFixed's limit.
  return /e/i.test(String(value)) ? value.toFixed(20).replace(/\.?0+$/, "") : String(value);
}

/** Rounds numerator/denominator to the nearest integer, halves away from zero. */
function roundDivide(numerator: bigint, denominator: bigint): number {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const rounded = (2n * n + d) / (2n * d);
  return Number(negative ? -rounded : rounded);
}

/** Cents of a decimal USD string, exactly (more than two decimals round half away from zero). */
export function toCents(amount: string): number {
  const { digits, scale } = scaled(amount);
  return roundDivide(digits * 100n, scale);
}

/** The wire form of an amount of cents: `1234` → `"12.34"`. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new Error(`Not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, "0")}`;
}

/**
 * Cents of `quantity / per` units at `unitPrice` each, computed exactly and rounded once: a
 * million requests at "0.20" per 100,000 is 200 cents, with no floating-point drift.
 */
export function lineCents(quantity: number, unitPrice: string, per = 1): number {
  const amount = scaled(quantity);
  const price = scaled(unitPrice);
  return roundDivide(amount.digits * price.digits * 100n, amount.scale * price.scale * BigInt(per));
}
