import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  defineIntegration,
  type InvoiceChange,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { VercelBillingDataRequest } from "../../packages/partnerkit/src/protocol/vercel-api.ts";
import { type BillingWorld, billingWorld } from "./billing-world.ts";
import { acmeKvByInstallation } from "./plan-integrations.ts";

let world: BillingWorld;
afterEach(() => world.close());

const log = pino({ level: "silent" });
const APRIL = { start: "2030-04-01T00:00:00.000Z", end: "2030-05-01T00:00:00.000Z" };
const at = (day: number, hour: number) =>
  `2030-04-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00.000Z`;

describe("installation-level billing (spec §10)", () => {
  it("bills the installation's own plan and meters, without resourceId, one invoice per plan", async () => {
    world = await billingWorld({
      start: "2030-04-01T00:05:00.000Z",
      integration: acmeKvByInstallation,
    });
    const main = await world.provision("free", "main");
    const { billing } = world.partner.services;
    for (let day = 1; day <= 30; day++) {
      if (day === 21) {
        world.setTime(at(21, 0));
        const answer = await world.emulator.partner.updateInstallation(world.installation.id, {
          billingPlanId: "team",
        });
        expect(answer.billingPlan?.id).toBe("team");
      }
      world.setTime(at(day, 9));
      await billing.meter(main.id, "requests", 1_000);
      if (day < 21) {
        await billing.meterInstallation(world.installation.id, "builds", 100);
      } else {
        const ctx = await world.partner.services.contextFor(world.installation.id, log);
        await ctx.meterInstallation("builds", 200);
      }
    }
    world.setTime(at(30, 12));
    await world.tick();

    const [data] = world
      .calls(/\/billing$/)
      .map((call) => VercelBillingDataRequest.parse(call.body));
    const preview = data?.billing as Exclude<VercelBillingDataRequest["billing"], unknown[]>;
    // 10 of 30 days on team; the 20 days on the free hobby plan cost nothing.
    const team = { billingPlanId: "team", start: at(21, 0), end: APRIL.end };
    expect(preview.items).toEqual([
      // $50.00 × 10/30 = $16.666… → $16.67
      {
        ...team,
        name: "Team plan",
        price: "50.00",
        quantity: expect.closeTo(1 / 3, 12),
        units: "period",
        total: "16.67",
      },
      { ...team, name: "Builds", price: "0.01", quantity: 2_000, units: "builds", total: "20.00" },
    ]);
    // 1,500 × 10/30 = 500 builds included.
    expect(preview.discounts).toEqual([
      {
        ...team,
        name: "Builds: included",
        details: "500 builds included in the plan",
        amount: "5.00",
      },
    ]);
    expect(data?.usage).toContainEqual({
      name: "Builds",
      type: "interval",
      units: "builds",
      dayValue: 200,
      periodValue: 4_000,
    });
    expect(data?.usage.find((usage) => usage.name === "Requests")).toMatchObject({
      resourceId: main.id,
      periodValue: 30_000,
    });

    world.setTime("2030-05-01T00:10:00.000Z");
    await world.tick();
    world.setTime("2030-05-01T01:10:00.000Z");
    await world.tick();

    const invoices = world.invoices().map(({ invoice }) => invoice);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({
      externalId: `${world.installation.id}-team-2030-04`,
      period: APRIL,
      // $16.67 + $20.00 − $5.00
      total: "31.67",
      items: preview.items,
    });
    expect(invoices[0]?.items.every((item) => item.resourceId === undefined)).toBe(true);
    expect(await billing.invoices(world.installation.id)).toEqual([
      expect.objectContaining({ billingPlanId: "team", totalCents: 3167 }),
    ]);
    expect((await billing.invoices(world.installation.id))[0]).not.toHaveProperty("resourceId");
  });

  it("tells the integration's onInvoice of each new state of an installation invoice, once", async () => {
    const seen: InvoiceChange[] = [];
    world = await billingWorld({
      start: "2030-07-01T06:00:00.000Z",
      integration: (kv) =>
        defineIntegration({
          ...acmeKvByInstallation(kv),
          onInvoice: async (_ctx, change) => {
            seen.push(change);
          },
        }),
    });
    await world.provision("free", "main");
    const ctx = await world.partner.services.contextFor(world.installation.id, log);
    await ctx.sync.changePlan("team");
    world.setTime("2030-08-01T00:10:00.000Z");
    await world.tick();
    world.setTime("2030-08-01T01:10:00.000Z");
    await world.tick();
    const [stored] = world.invoices();
    if (!stored) throw new Error("no invoice was submitted");

    await world.emulator.billing.moveInvoice(stored.invoice.invoiceId, "overdue", {
      duplicates: 1,
    });
    await world.partner.jobs.drain();
    await world.emulator.billing.moveInvoice(stored.invoice.invoiceId, "paid");
    await world.partner.jobs.drain();
    expect(seen).toEqual([
      {
        invoiceId: stored.invoice.invoiceId,
        state: "overdue",
        total: "50.00",
        event: "marketplace.invoice.overdue",
      },
      {
        invoiceId: stored.invoice.invoiceId,
        state: "paid",
        total: "50.00",
        event: "marketplace.invoice.paid",
      },
    ]);
  });

  it("sends the installation's final invoice on uninstall, then finalizes", async () => {
    world = await billingWorld({
      start: "2030-07-01T06:00:00.000Z",
      integration: acmeKvByInstallation,
    });
    await world.provision("free", "main");
    world.setTime("2030-07-05T00:00:00.000Z");
    const ctx = await world.partner.services.contextFor(world.installation.id, log);
    await ctx.sync.changePlan("team");
    world.setTime("2030-07-10T12:00:00.000Z");
    await world.partner.services.billing.meterInstallation(world.installation.id, "builds", 2_000);

    world.setTime("2030-07-16T00:00:00.000Z");
    const answer = await world.emulator.partner.uninstall(world.installation.id, {
      cascade: false,
    });
    expect(answer).toEqual({ finalized: false });
    await world.partner.jobs.drain();

    const invoices = world.invoices();
    expect(
      invoices.map(({ invoice, final }) => [invoice.externalId, invoice.total, final]),
    ).toEqual([
      // $50.00 × 27/31 → $43.55, + $20.00 builds − 1,306 included ($13.06)
      [`${world.installation.id}-team-2030-07`, "50.49", true],
    ]);
    expect(world.closingCalls()).toEqual(["invoice", "finalize"]);
    expect(world.emulator.state.installations.get(world.installation.id)?.finalized).toBe(true);
  });
});
