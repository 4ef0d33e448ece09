import { afterEach, describe, expect, it } from "vitest";
import { VercelBillingDataRequest } from "../../packages/partnerkit/src/protocol/vercel-api.ts";
import { type BillingWorld, billingWorld } from "./billing-world.ts";

let world: BillingWorld;
afterEach(() => world.close());

const day = (n: number, hour: number) =>
  `2030-03-${String(n).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00.000Z`;

describe("a simulated month of Acme KV billing (spec §5.12–§5.14)", () => {
  it("submits running totals, then one invoice to the cent, despite 500s and retried jobs", async () => {
    world = await billingWorld({ start: "2030-03-01T00:05:00.000Z" });
    const pro = await world.provision("pro");
    const free = await world.provision("free");
    const { faults } = world.emulator.vercelApi;

    let realRequests = 0;
    for (let n = 1; n <= 31; n++) {
      world.setTime(day(n, 9));
      // Two real data-plane requests a day, each metered as one request …
      expect(
        (await world.kv(pro, `day-${n}`, { method: "PUT", body: "x".repeat(100) })).status,
      ).toBe(204);
      expect((await world.kv(pro, `day-${n}`)).status).toBe(200);
      realRequests += 2;
      // … and bulk traffic the provider reports itself.
      await world.partner.services.billing.meter(pro.id, "requests", 10_000 * n);
      await world.kv(free, "k", { method: "PUT", body: "v" });
      if (n === 10) faults.add({ method: "POST", path: /\/billing$/, status: 500, times: 1 });
      if (n === 20) faults.add({ method: "POST", path: /\/billing$/, status: 500, times: 100 });
      world.setTime(day(n, 12));
      await world.tick();
      if (n === 20) {
        // The client gave up; the job is queued again with backoff and succeeds once Vercel recovers.
        faults.clear();
        await world.retryFailedJobs();
      }
      world.setTime(day(n, 23));
      await world.tick();
    }

    // 10,000 × (1 + … + 31) reported plus 62 served: 4,960,062 requests in March.
    const requests = 10_000 * ((31 * 32) / 2) + realRequests;
    expect(requests).toBe(4_960_062);
    // 31 days × 100 bytes on the pro store at the end of the month.
    const storedBytes = 3_100;

    const billing = world
      .calls(/\/billing$/)
      .filter((call) => call.status === 201)
      .map((call) => VercelBillingDataRequest.parse(call.body));
    expect(billing).toHaveLength(62);
    const proRequests = billing.map(
      (data) =>
        data.usage.find((u) => u.resourceId === pro.id && u.name === "Requests")?.periodValue,
    );
    // Running totals, never deltas: they only grow, and a retried submission repeats, not adds.
    expect(proRequests).toEqual([...proRequests].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(proRequests.at(-1)).toBe(requests);
    const last = billing.at(-1);
    expect(last?.period).toEqual({
      start: "2030-03-01T00:00:00.000Z",
      end: "2030-04-01T00:00:00.000Z",
    });
    expect(last?.eod).toBe("2030-04-01T00:00:00.000Z");
    expect(last?.usage).toContainEqual({
      resourceId: pro.id,
      name: "Storage",
      type: "total",
      units: "bytes",
      dayValue: storedBytes,
      periodValue: storedBytes,
    });
    expect(
      last?.usage.find((u) => u.resourceId === free.id && u.name === "Requests")?.periodValue,
    ).toBe(31);
    expect(Array.isArray(last?.billing)).toBe(false);
    const preview = last?.billing as Exclude<VercelBillingDataRequest["billing"], unknown[]>;
    expect(preview.items.map((item) => [item.resourceId, item.name, item.total])).toEqual([
      [pro.id, "Pro plan", "20.00"],
      // 4,960,062 / 100,000 × $0.20 = $9.920124 → $9.92
      [pro.id, "Requests", "9.92"],
      // 3,100 bytes at $0.25 per GB rounds to nothing.
      [pro.id, "Storage", "0.00"],
    ]);
    expect(preview.discounts?.map((discount) => discount.amount)).toEqual(["0.20"]);
    // Two 500s per failing day were seen by Vercel, and nothing was submitted twice for a tick.
    expect(world.calls(/\/billing$/).filter((call) => call.status === 500).length).toBeGreaterThan(
      1,
    );

    // The period ends: one invoice for the pro store, none for the free one.
    expect(world.invoices()).toEqual([]);
    world.setTime("2030-04-01T00:10:00.000Z");
    faults.add({ method: "POST", path: "/billing/invoices", status: 500, times: 100 });
    await world.tick();
    expect(world.invoices()).toEqual([]);
    faults.clear();
    await world.retryFailedJobs();
    world.setTime("2030-04-01T01:10:00.000Z");
    await world.tick();

    const invoices = world.invoices();
    expect(invoices).toHaveLength(1);
    const [{ invoice }] = invoices as [(typeof invoices)[number]];
    expect(invoice).toMatchObject({
      externalId: `${pro.id}-pro-2030-03`,
      state: "invoiced",
      invoiceDate: "2030-03-31T23:59:59.999Z",
      period: { start: "2030-03-01T00:00:00.000Z", end: "2030-04-01T00:00:00.000Z" },
      // $20.00 + $9.92 − $0.20 included + $0.00 storage
      total: "29.72",
    });
    expect(invoice.items.map((item) => [item.name, item.quantity, item.price, item.total])).toEqual(
      [
        ["Pro plan", 1, "20.00", "20.00"],
        ["Requests", 49.60062, "0.20", "9.92"],
        ["Storage", 0.0000031, "0.25", "0.00"],
      ],
    );
    const submitted = world.calls(/\/billing\/invoices$/);
    expect(submitted.filter((call) => call.status === 200)).toHaveLength(1);
    // Every attempt, failed or not, carried the same body.
    expect(new Set(submitted.map((call) => JSON.stringify(call.body))).size).toBe(1);

    const local = await world.partner.services.billing.invoices(world.installation.id);
    expect(local).toMatchObject([
      { externalId: invoice.externalId, vercelInvoiceId: invoice.invoiceId, totalCents: 2972 },
    ]);
  });
});
