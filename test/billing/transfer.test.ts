import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type {
  EmulatedInstallation,
  EmulatedResource,
} from "../../packages/partnerkit/src/emulator/state.ts";
import { VercelBillingDataRequest } from "../../packages/partnerkit/src/protocol/vercel-api.ts";
import { type BillingWorld, billingWorld } from "./billing-world.ts";
import { at, MARCH, meterMarchChangingOn11th } from "./march.ts";

let world: BillingWorld;
afterEach(() => world.close());

const HOUR_MS = 60 * 60_000;

/** Moves the resource from the world's installation to `target` at the current billing time. */
async function transfer(resource: EmulatedResource, target: EmulatedInstallation) {
  const { partner } = world.emulator;
  const claim = await partner.createTransfer(
    world.installation.id,
    [resource.id],
    Date.now() + HOUR_MS,
  );
  await partner.acceptTransfer(target.id, claim);
}

function billingData(installationId: string) {
  const [data] = world
    .calls(new RegExp(`/installations/${installationId}/billing$`))
    .map((call) => VercelBillingDataRequest.parse(call.body));
  return data as VercelBillingDataRequest & {
    billing: Exclude<VercelBillingDataRequest["billing"], unknown[]>;
  };
}

const invoicesOf = (installationId: string) =>
  [...world.emulator.vercelApi.store.invoices.values()]
    .filter((stored) => stored.installationId === installationId)
    .map(({ invoice }) => invoice);

describe("a resource transferred within a period (spec §4.16, §5.12, §5.13)", () => {
  it("bills the source up to the transfer and the target from it, to the cent", async () => {
    world = await billingWorld({ start: "2030-03-01T00:05:00.000Z" });
    const source = world.installation;
    const target = await world.emulator.partner.install();
    const store = await world.provision("pro", "store");
    // Usage before the transfer on its day goes to the target, who has the store at its end.
    await meterMarchChangingOn11th(world, store.id, () => transfer(store, target));

    // 10.25 of 31 days with the source (300,000 requests), 20.75 with the target (1,050,000).
    const before = {
      billingPlanId: "pro",
      resourceId: store.id,
      start: MARCH.start,
      end: at(11, 6),
    };
    const after = { billingPlanId: "pro", resourceId: store.id, start: at(11, 6), end: MARCH.end };
    const sourceData = billingData(source.id);
    expect(sourceData.period).toEqual(MARCH);
    expect(sourceData.billing.items).toEqual([
      // $20.00 × 10.25/31 = $6.6129… → $6.61
      {
        ...before,
        name: "Pro plan",
        price: "20.00",
        quantity: expect.closeTo(10.25 / 31, 12),
        units: "period",
        total: "6.61",
      },
      {
        ...before,
        name: "Requests",
        price: "0.20",
        quantity: 3,
        units: "100K requests",
        total: "0.60",
      },
      { ...before, name: "Storage", price: "0.25", quantity: 0, units: "GB", total: "0.00" },
    ]);
    // 100,000 × 10.25/31 → 33,065 included requests, $0.06613 → $0.07
    expect(sourceData.billing.discounts).toEqual([
      {
        ...before,
        name: "Requests: included",
        details: "0.33065 100K requests included in the plan",
        amount: "0.07",
      },
    ]);
    const targetData = billingData(target.id);
    expect(
      targetData.billing.items.map((item) => [item.name, item.start, item.end, item.total]),
    ).toEqual([
      // $20.00 × 20.75/31 = $13.3870… → $13.39
      ["Pro plan", after.start, after.end, "13.39"],
      ["Requests", after.start, after.end, "2.10"],
      ["Storage", after.start, after.end, "0.00"],
    ]);
    expect(targetData.billing.discounts?.map((line) => [line.start, line.amount])).toEqual([
      [after.start, "0.13"],
    ]);
    // Each side reports the usage of the days it had the store.
    const requests = (data: VercelBillingDataRequest) =>
      data.usage.find((usage) => usage.name === "Requests");
    expect(requests(sourceData)).toMatchObject({
      resourceId: store.id,
      dayValue: 0,
      periodValue: 300_000,
    });
    expect(requests(targetData)).toMatchObject({ dayValue: 50_000, periodValue: 1_050_000 });

    // The month ends; the first submissions fail and the job is retried.
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
    // A later tick and direct second runs find the invoices already sent.
    world.setTime("2030-04-01T01:10:00.000Z");
    await world.tick();
    for (const installation of [source, target]) {
      await world.partner.services.billing.invoicing.invoicePeriod(installation.id, MARCH, {
        log: pino({ level: "silent" }),
      });
    }

    // One invoice each, under the same externalId: it is unique per installation (spec §5.13).
    const externalId = `${store.id}-pro-2030-03`;
    const [sourceInvoice, ...moreSource] = invoicesOf(source.id);
    const [targetInvoice, ...moreTarget] = invoicesOf(target.id);
    expect([moreSource, moreTarget]).toEqual([[], []]);
    // $6.61 + $0.60 + $0.00 − $0.07
    expect(sourceInvoice).toMatchObject({ externalId, total: "7.14", period: MARCH });
    expect(sourceInvoice?.items).toEqual(sourceData.billing.items);
    // $13.39 + $2.10 + $0.00 − $0.13
    expect(targetInvoice).toMatchObject({ externalId, total: "15.36", period: MARCH });
    expect(targetInvoice?.items.map((item) => [item.start, item.end])).toEqual(
      Array(3).fill([after.start, after.end]),
    );
    expect(world.calls(/\/billing\/invoices$/).filter((call) => call.status === 200)).toHaveLength(
      2,
    );
    const stored = (installationId: string) =>
      world.partner.services.billing.invoices(installationId);
    expect(await stored(source.id)).toMatchObject([{ externalId, totalCents: 714 }]);
    expect(await stored(target.id)).toMatchObject([{ externalId, totalCents: 1536 }]);

    // April is the target's alone.
    world.setTime("2030-05-01T00:10:00.000Z");
    await world.tick();
    expect(invoicesOf(source.id)).toHaveLength(1);
    expect(invoicesOf(target.id).map((invoice) => [invoice.externalId, invoice.total])).toEqual([
      [externalId, "15.36"],
      [`${store.id}-pro-2030-04`, "20.00"],
    ]);
  });

  it("sends the source's final invoice for the time before the transfer when it uninstalls", async () => {
    world = await billingWorld({ start: "2030-07-01T06:00:00.000Z" });
    const target = await world.emulator.partner.install();
    const store = await world.provision("pro", "store");
    await world.partner.services.billing.meter(store.id, "requests", 1_100_000);
    world.setTime("2030-07-11T00:00:00.000Z");
    await transfer(store, target);
    world.setTime("2030-07-20T12:00:00.000Z");

    const answer = await world.emulator.partner.uninstall(world.installation.id);
    expect(answer).toEqual({ finalized: false });
    await world.partner.jobs.drain();

    const [final, ...more] = world.invoices();
    expect(more).toEqual([]);
    const span = { start: "2030-07-01T00:00:00.000Z", end: "2030-07-11T00:00:00.000Z" };
    expect(final).toMatchObject({
      final: true,
      invoice: {
        externalId: `${store.id}-pro-2030-07`,
        // $20.00 × 10/31 → $6.45, 11 × $0.20 → $2.20, 100,000 × 10/31 included → $0.06
        total: "8.59",
        invoiceDate: "2030-07-20T12:00:00.000Z",
      },
    });
    expect(final?.invoice.items.map((item) => [item.name, item.start, item.end])).toEqual([
      ["Pro plan", span.start, span.end],
      ["Requests", span.start, span.end],
      ["Storage", span.start, span.end],
    ]);
    expect(world.emulator.state.installations.get(world.installation.id)?.finalized).toBe(true);
    expect(invoicesOf(target.id)).toEqual([]);
  });
});
