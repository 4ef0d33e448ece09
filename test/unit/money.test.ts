import { describe, expect, it } from "vitest";
import { formatCents, lineCents, toCents } from "../../packages/partnerkit/src/protocol/money.ts";

describe("money (integer cents inside, decimal strings on the wire)", () => {
  it("reads and writes amounts exactly", () => {
    expect(toCents("0.1")).toBe(10);
    expect(toCents("19.99")).toBe(1999);
    expect(toCents("-3.05")).toBe(-305);
    expect(toCents("1.005")).toBe(101);
    expect(formatCents(1999)).toBe("19.99");
    expect(formatCents(5)).toBe("0.05");
    expect(formatCents(-305)).toBe("-3.05");
    expect(() => formatCents(1.5)).toThrow();
  });

  it("prices a line with one rounding, where floating point would drift", () => {
    // 0.1 + 0.2 style drift: 3 × 0.35 is 1.0499999… in floating point.
    expect(lineCents(3, "0.35")).toBe(105);
    expect(lineCents(4_960_062, "0.20", 100_000)).toBe(992);
    expect(lineCents(150_000, "0.20", 100_000)).toBe(30);
    expect(lineCents(250_000, "0.0001")).toBe(2500);
    expect(lineCents(3_100, "0.25", 1_000_000_000)).toBe(0);
    expect(lineCents(2_000_000_000, "0.25", 1_000_000_000)).toBe(50);
    expect(lineCents(0.5, "0.01")).toBe(1);
    expect(lineCents(1e-7, "100")).toBe(0);
  });
});
