import { afterEach, describe, expect, it } from "vitest";
import { type BillingWorld, billingWorld } from "./billing-world.ts";

let world: BillingWorld;
afterEach(() => world.close());

const creditItem = (amount: string, resourceId?: string) => ({
  billingPlanId: "credits",
  ...(resourceId && { resourceId }),
  name: "Prepaid credit",
  price: amount,
  quantity: 1,
  units: "credit",
  total: amount,
});

describe("Provision Purchase (spec §4.15)", () => {
  it("credits a paid invoice once, even for concurrent calls with the same invoiceId", async () => {
    world = await billingWorld({ start: "2030-05-03T08:00:00.000Z" });
    const credits = await world.provision("credits");
    const invoice = world.emulator.vercelApi.store.issueInvoice(
      world.installation.id,
      [creditItem("25.00", credits.id)],
      "paid",
    );
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        world.emulator.partner.provisionPurchase(
          world.installation.id,
          invoice.invoiceId,
          "system",
        ),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        timestamp: "2030-05-03T08:00:00.000Z",
        balances: [{ currencyValueInCents: 2500, credit: "$25.00", resourceId: credits.id }],
      });
    }
    expect(await world.partner.services.billing.balances(world.installation.id)).toEqual([
      { currencyValueInCents: 2500, credit: "$25.00", resourceId: credits.id },
    ]);
  });

  it("refuses an unpaid invoice, one that buys no credit, and one Vercel does not know", async () => {
    world = await billingWorld({ start: "2030-05-03T08:00:00.000Z" });
    const credits = await world.provision("credits");
    const pro = await world.provision("pro");
    const { store } = world.emulator.vercelApi;
    const unpaid = store.issueInvoice(
      world.installation.id,
      [creditItem("10.00", credits.id)],
      "notpaid",
    );
    const proInvoice = store.issueInvoice(
      world.installation.id,
      [{ ...creditItem("20.00", pro.id), billingPlanId: "pro" }],
      "paid",
    );
    const purchase = (invoiceId: string) =>
      world.emulator.partner.provisionPurchase(world.installation.id, invoiceId);

    const notPaid = await purchase(unpaid.invoiceId);
    expect(notPaid.status).toBe(422);
    expect(notPaid.body).toEqual({
      error: {
        code: "invoice_not_paid",
        message: `Invoice ${unpaid.invoiceId} is notpaid, not paid`,
        user: { message: "The credit purchase has not been paid yet." },
      },
    });
    const notCredit = await purchase(proInvoice.invoiceId);
    expect(notCredit.status).toBe(422);
    expect(notCredit.body).toMatchObject({ error: { code: "unprocessable" } });
    const unknown = await purchase("inv_does_not_exist");
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ error: { code: "unprocessable" } });
    const malformed = await world.emulator.partner.send({
      method: "POST",
      path: `/v1/installations/${world.installation.id}/billing/provision`,
      auth: "user",
      installationId: world.installation.id,
      body: { invoice: "x" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: "validation_error" } });
    expect(await world.partner.services.billing.balances(world.installation.id)).toEqual([
      { currencyValueInCents: 0, credit: "$0.00", resourceId: credits.id },
    ]);
  });

  it("draws credit only for usage while the resource was on the prepayment plan", async () => {
    world = await billingWorld({ start: "2030-05-03T08:00:00.000Z" });
    const store = await world.provision("credits");
    await world.emulator.billing.buyCredits({
      installationId: world.installation.id,
      billingPlanId: "credits",
      amount: "10.00",
      resourceId: store.id,
    });
    // $2.00 of requests on credits, then on Pro from the next day: those are invoiced, not drawn.
    await world.partner.services.billing.meter(store.id, "requests", 1_000_000);
    world.setTime("2030-05-04T08:00:00.000Z");
    await world.emulator.partner.updateResource(world.installation.id, store.id, {
      billingPlanId: "pro",
    });
    await world.partner.services.billing.meter(store.id, "requests", 3_000_000);
    expect(await world.partner.services.billing.balances(world.installation.id)).toEqual([
      { currencyValueInCents: 800, credit: "$8.00", resourceId: store.id },
    ]);

    // And back on credits: the days on Pro still draw nothing.
    world.setTime("2030-05-05T08:00:00.000Z");
    await world.emulator.partner.updateResource(world.installation.id, store.id, {
      billingPlanId: "credits",
    });
    await world.partner.services.billing.meter(store.id, "requests", 500_000);
    expect(await world.partner.services.billing.balances(world.installation.id)).toEqual([
      { currencyValueInCents: 700, credit: "$7.00", resourceId: store.id },
    ]);
  });

  it("draws prepaid balances down with usage and reports them idempotently (spec §5.14)", async () => {
    world = await billingWorld({ start: "2030-05-03T08:00:00.000Z" });
    const credits = await world.provision("credits");
    await world.emulator.billing.buyCredits({
      installationId: world.installation.id,
      billingPlanId: "credits",
      amount: "10.00",
      resourceId: credits.id,
    });
    const bought = await world.emulator.billing.buyCredits({
      installationId: world.installation.id,
      billingPlanId: "credits",
      amount: "5.00",
    });
    expect(bought.answer.status).toBe(200);

    // 1,000,000 requests at $0.20 per 100,000: $2.00 of the resource's $10.00.
    await world.partner.services.billing.meter(credits.id, "requests", 1_000_000);
    world.setTime("2030-05-03T09:00:00.000Z");
    await world.tick();
    await world.tick();
    const submitted = world.calls(/\/billing\/balance$/);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]?.body).toEqual({
      timestamp: "2030-05-03T09:00:00.000Z",
      balances: [
        { currencyValueInCents: 500, credit: "$5.00" },
        { currencyValueInCents: 800, credit: "$8.00", resourceId: credits.id },
      ],
    });

    // 5,000,000 more: $10.00 more, $2.00 past the resource's credit, taken from the installation's.
    await world.partner.services.billing.meter(credits.id, "requests", 5_000_000);
    world.setTime("2030-05-03T10:00:00.000Z");
    await world.tick();
    expect(world.calls(/\/billing\/balance$/).at(-1)?.body).toEqual({
      timestamp: "2030-05-03T10:00:00.000Z",
      balances: [
        { currencyValueInCents: 300, credit: "$3.00" },
        { currencyValueInCents: 0, credit: "$0.00", resourceId: credits.id },
      ],
    });
    // Prepaid usage is never invoiced by the partner.
    world.setTime("2030-06-01T00:30:00.000Z");
    await world.tick();
    expect(world.invoices().filter((stored) => stored.invoice.externalId)).toEqual([]);
  });
});
