import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { VercelBillingDataRequest } from "../../packages/partnerkit/src/protocol/vercel-api.ts";
import { type BillingWorld, billingWorld } from "./billing-world.ts";
import { at, MARCH, meterMarchChangingOn11th } from "./march.ts";
import { acmeKvWithStarter } from "./plan-integrations.ts";

let world: BillingWorld;
afterEach(() => world.close());

describe("a plan change within a period (spec §5.12 start/end, §5.13 one invoice per plan)", () => {
  it("bills each plan for its share of the month, to the cent, in one invoice per plan", async () => {
    world = await billingWorld({
      start: "2030-03-01T00:05:00.000Z",
      integration: acmeKvWithStarter,
    });
    const store = await world.provision("starter", "store");
    // Some of the 11th's usage comes before the change; the day still counts on the new plan.
    await meterMarchChangingOn11th(world, store.id, async () => {
      await world.emulator.partner.updateResource(world.installation.id, store.id, {
        billingPlanId: "pro",
      });
    });

    // 10.25 of 31 days on starter (300,000 requests), 20.75 on pro (1,050,000 requests).
    const starter = {
      billingPlanId: "starter",
      resourceId: store.id,
      start: MARCH.start,
      end: at(11, 6),
    };
    const pro = { billingPlanId: "pro", resourceId: store.id, start: at(11, 6), end: MARCH.end };
    const [data] = world
      .calls(/\/billing$/)
      .map((call) => VercelBillingDataRequest.parse(call.body));
    const preview = data?.billing as Exclude<VercelBillingDataRequest["billing"], unknown[]>;
    expect(data?.period).toEqual(MARCH);
    expect(preview.items).toEqual([
      // $10.00 × 10.25/31 = $3.3064… → $3.31
      {
        ...starter,
        name: "Starter plan",
        price: "10.00",
        quantity: expect.closeTo(10.25 / 31, 12),
        units: "period",
        total: "3.31",
      },
      {
        ...starter,
        name: "Requests",
        price: "0.50",
        quantity: 3,
        units: "100K requests",
        total: "1.50",
      },
      // $20.00 × 20.75/31 = $13.3870… → $13.39
      {
        ...pro,
        name: "Pro plan",
        price: "20.00",
        quantity: expect.closeTo(20.75 / 31, 12),
        units: "period",
        total: "13.39",
      },
      {
        ...pro,
        name: "Requests",
        price: "0.20",
        quantity: 10.5,
        units: "100K requests",
        total: "2.10",
      },
      { ...pro, name: "Storage", price: "0.25", quantity: 0, units: "GB", total: "0.00" },
    ]);
    expect(preview.discounts).toEqual([
      // 100,000 × 10.25/31 = 33,064.5… → 33,065 included requests, $0.165325 → $0.17
      {
        ...starter,
        name: "Requests: included",
        details: "0.33065 100K requests included in the plan",
        amount: "0.17",
      },
      // 100,000 × 20.75/31 = 66,935.4… → 66,935 included requests, $0.13387 → $0.13
      {
        ...pro,
        name: "Requests: included",
        details: "0.66935 100K requests included in the plan",
        amount: "0.13",
      },
    ]);
    // Usage is reported per resource, whatever the plan.
    expect(data?.usage.find((usage) => usage.name === "Requests")?.periodValue).toBe(1_350_000);

    // The month ends; the first submission fails and the job is retried.
    world.setTime("2030-04-01T00:10:00.000Z");
    world.emulator.vercelApi.faults.add({
      method: "POST",
      path: "/billing/invoices",
      status: 500,
      times: 100,
    });
    await world.tick();
    world.emulator.vercelApi.faults.clear();
    await world.retryFailedJobs();
    // A later tick and a direct second run find the invoices already sent.
    world.setTime("2030-04-01T01:10:00.000Z");
    await world.tick();
    await world.partner.services.billing.invoicing.invoicePeriod(world.installation.id, MARCH, {
      log: pino({ level: "silent" }),
    });

    const invoices = world.invoices().map(({ invoice }) => invoice);
    expect(invoices.map((invoice) => [invoice.externalId, invoice.total])).toEqual([
      // $3.31 + $1.50 − $0.17
      [`${store.id}-starter-2030-03`, "4.64"],
      // $13.39 + $2.10 + $0.00 − $0.13
      [`${store.id}-pro-2030-03`, "15.36"],
    ]);
    expect(invoices.map((invoice) => invoice.period)).toEqual([MARCH, MARCH]);
    expect(invoices[0]?.items).toEqual(preview.items.slice(0, 2));
    expect(invoices[1]?.items).toEqual(preview.items.slice(2));
    const submitted = world.calls(/\/billing\/invoices$/);
    expect(submitted.some((call) => call.status === 500)).toBe(true);
    expect(submitted.filter((call) => call.status === 200)).toHaveLength(2);
    expect(await world.partner.services.billing.invoices(world.installation.id)).toMatchObject([
      { billingPlanId: "pro", resourceId: store.id, totalCents: 1536 },
      { billingPlanId: "starter", resourceId: store.id, totalCents: 464 },
    ]);
  });

  it("puts both spans of a plan the resource went back to on that plan's one invoice", async () => {
    world = await billingWorld({
      start: "2030-05-01T08:00:00.000Z",
      integration: acmeKvWithStarter,
    });
    const store = await world.provision("starter", "store");
    const change = async (iso: string, billingPlanId: string) => {
      world.setTime(iso);
      await world.emulator.partner.updateResource(world.installation.id, store.id, {
        billingPlanId,
      });
    };
    await change("2030-05-11T00:00:00.000Z", "pro");
    // Choosing the plan it is already on is no change.
    await change("2030-05-15T00:00:00.000Z", "pro");
    await change("2030-05-21T00:00:00.000Z", "starter");
    world.setTime("2030-06-01T00:10:00.000Z");
    await world.tick();

    const invoices = world.invoices().map(({ invoice }) => invoice);
    expect(invoices.map((invoice) => [invoice.externalId, invoice.total])).toEqual([
      // $10.00 × 10/31 → $3.23, and × 11/31 → $3.55
      [`${store.id}-starter-2030-05`, "6.78"],
      // $20.00 × 10/31 → $6.45; no requests, no storage
      [`${store.id}-pro-2030-05`, "6.45"],
    ]);
    expect(invoices[0]?.items.map((item) => [item.name, item.start, item.end, item.total])).toEqual(
      [
        ["Starter plan", "2030-05-01T00:00:00.000Z", "2030-05-11T00:00:00.000Z", "3.23"],
        ["Requests", "2030-05-01T00:00:00.000Z", "2030-05-11T00:00:00.000Z", "0.00"],
        ["Starter plan", "2030-05-21T00:00:00.000Z", "2030-06-01T00:00:00.000Z", "3.55"],
        ["Requests", "2030-05-21T00:00:00.000Z", "2030-06-01T00:00:00.000Z", "0.00"],
      ],
    );
  });
});
