import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type BillingWorld, billingWorld } from "./billing-world.ts";

let world: BillingWorld;
afterEach(() => world.close());

/** A pro store with usage, invoiced at the end of March 2030. */
async function invoicedProStore() {
  world = await billingWorld({ start: "2030-03-02T10:00:00.000Z" });
  const pro = await world.provision("pro");
  await world.partner.services.billing.meter(pro.id, "requests", 300_000);
  world.setTime("2030-04-01T00:30:00.000Z");
  await world.tick();
  const [stored] = world.invoices();
  if (!stored) throw new Error("no invoice was submitted");
  return { pro, invoice: stored.invoice };
}

describe("invoice webhooks (spec §6.4)", () => {
  it("stores each new state once, however often the event is delivered", async () => {
    const { invoice } = await invoicedProStore();
    // $20.00 + 3 × $0.20 − $0.20 included
    expect(invoice.total).toBe("20.40");
    const { delivery } = await world.emulator.billing.moveInvoice(invoice.invoiceId, "notpaid", {
      duplicates: 2,
    });
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200, 200, 200]);
    await world.partner.jobs.drain();
    const jobs = await world.partner.store.listJobs({ kind: "webhook" });
    expect(jobs).toHaveLength(1);
    const [local] = await world.partner.services.billing.invoices(world.installation.id);
    expect(local?.state).toBe("notpaid");
  });

  it("suspends Acme KV on overdue and resumes it on paid, telling Vercel both times", async () => {
    const { pro, invoice } = await invoicedProStore();
    expect((await world.kv(pro, "k", { method: "PUT", body: "v" })).status).toBe(204);

    await world.emulator.billing.moveInvoice(invoice.invoiceId, "overdue", { duplicates: 1 });
    await world.partner.jobs.drain();
    const refused = await world.kv(pro, "k");
    expect(refused.status).toBe(402);
    expect(await refused.json()).toEqual({
      error: { code: "suspended", message: expect.any(String) },
    });
    expect(await world.partner.store.getResource(world.installation.id, pro.id)).toMatchObject({
      status: "suspended",
      notification: { level: "error", title: "Suspended: invoice overdue" },
    });
    // Vercel re-read the resource after the event and now shows it suspended.
    await vi.waitFor(() =>
      expect(world.emulator.state.resources.get(pro.id)?.status).toBe("suspended"),
    );

    await world.emulator.billing.moveInvoice(invoice.invoiceId, "paid");
    await world.partner.jobs.drain();
    expect((await world.kv(pro, "k")).status).toBe(200);
    expect(await world.partner.store.getResource(world.installation.id, pro.id)).toMatchObject({
      status: "ready",
      notification: null,
    });
    const events = world.emulator.vercelApi.store.events.get(world.installation.id) ?? [];
    expect(events.map(({ event }) => event.type)).toEqual(["resource.updated", "resource.updated"]);
  });

  it("refunds through the library and records the refunded state", async () => {
    const { invoice } = await invoicedProStore();
    await world.emulator.billing.moveInvoice(invoice.invoiceId, "paid");
    await world.partner.jobs.drain();
    const refunded = await world.partner.services.billing.refund(
      world.installation.id,
      invoice.invoiceId,
      { reason: "Outage on March 3", total: "5.00" },
      pino({ level: "silent" }),
    );
    expect(refunded).toMatchObject({
      state: "refunded",
      refundTotal: "5.00",
      refundReason: "Outage on March 3",
    });
    const [local] = await world.partner.services.billing.invoices(world.installation.id);
    expect(local?.state).toBe("refunded");
    const actions = world.calls(/\/actions$/);
    expect(actions).toEqual([
      {
        method: "POST",
        status: 204,
        body: { action: "refund", reason: "Outage on March 3", total: "5.00" },
      },
    ]);
  });
});

describe("invoice test mode (spec §10)", () => {
  it("submits invoices with the configured test outcome", async () => {
    world = await billingWorld({
      start: "2030-03-02T10:00:00.000Z",
      invoiceTest: { result: "overdue" },
    });
    await world.provision("pro");
    world.setTime("2030-04-01T00:30:00.000Z");
    await world.tick();
    const [stored] = world.invoices();
    expect(stored?.invoice).toMatchObject({ test: true, state: "overdue", total: "20.00" });
    expect(world.calls(/\/billing\/invoices$/)[0]?.body).toMatchObject({
      test: { result: "overdue" },
    });
    const [local] = await world.partner.services.billing.invoices(world.installation.id);
    expect(local?.state).toBe("overdue");
  });
});
