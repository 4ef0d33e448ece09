/**
 * Usage this period and the invoices on the default dashboard: the numbers the billing counters
 * hold after real metered requests, and the invoices the partner submitted to Vercel, by name.
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { periodOf } from "../../packages/partnerkit/src/core/billing/period.ts";
import {
  type DashboardMarket,
  dashboardMarket,
  PUBLIC_URL,
  provisionKv,
  vercelSecret,
} from "./dashboard-support.ts";

let market: DashboardMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

/** `count` metered data-plane requests on the store. */
async function requests(resourceId: string, count: number) {
  if (!market) throw new Error("no market");
  const token = vercelSecret(market.emulator, resourceId, "KV_REST_API_TOKEN");
  for (let i = 0; i < count; i += 1) {
    const response = await market.partnerkit.fetch(
      new Request(`${PUBLIC_URL}/kv/${resourceId}/k${i}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}` },
        body: "v",
      }),
    );
    expect(response.status).toBe(204);
  }
}

describe("usage and invoices on the dashboard", () => {
  it("shows this period's metered usage per resource and the submitted invoices by name", async () => {
    market = await dashboardMarket();
    const { id } = await market.emulator.partner.install();
    const pro = await provisionKv(market.emulator, id, "orders-db", "pro");
    const free = await provisionKv(market.emulator, id, "scratch", "free");
    await requests(pro.id, 7);
    await requests(free.id, 2);
    const viewer = await market.signIn(id, "USER");

    const detail = await viewer.open(`/dashboard/resources/${pro.id}`);
    expect(detail.body).toContain("Usage this period");
    expect(detail.body).toMatch(/<td>Requests<\/td>\s*<td class="num">7 requests<\/td>/);

    let billing = await viewer.open("/dashboard/billing");
    expect(billing.status).toBe(200);
    expect(billing.body).toContain("No invoices yet");
    expect(billing.body).toMatch(/<h3>orders-db<\/h3><table>[\s\S]*?7 requests/);
    expect(billing.body).toMatch(/<h3>scratch<\/h3><table>[\s\S]*?2 requests/);

    const invoices = await market.internals.services.billing.invoicing.invoicePeriod(
      id,
      periodOf(new Date()),
      { log: pino({ enabled: false }) },
    );
    const invoice = invoices.find((submitted) => submitted.resourceId === pro.id);
    expect(invoice?.totalCents).toBeGreaterThan(0);
    billing = await viewer.open("/dashboard/billing");
    const cents = invoice?.totalCents ?? 0;
    const total = `$${(cents / 100).toFixed(2)}`;
    expect(billing.body).toMatch(
      new RegExp(`<td>orders-db</td>\\s*<td>Pro</td>[\\s\\S]*?<td class="num">\\${total}</td>`),
    );
    // Names, not ids, in what the page shows (links carry ids in their href only).
    expect(billing.body.replace(/<[^>]+>/g, "")).not.toContain(pro.id);
  });
});
