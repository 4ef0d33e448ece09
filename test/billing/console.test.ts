import { afterEach, describe, expect, it } from "vitest";
import { postForm } from "../support/forms.ts";
import { type BillingWorld, billingWorld } from "./billing-world.ts";

let world: BillingWorld;
afterEach(() => world.close());

describe("emulator console: billing views", () => {
  it("charts usage, changes an invoice's state with its webhook, and sells credits", async () => {
    world = await billingWorld({ start: "2030-03-02T10:00:00.000Z" });
    const pro = await world.provision("pro");
    const credits = await world.provision("credits", "prepaid");
    for (const day of ["2030-03-10", "2030-03-20", "2030-03-31"]) {
      await world.partner.services.billing.meter(pro.id, "requests", 200_000);
      world.setTime(`${day}T12:00:00.000Z`);
      await world.tick();
    }
    world.setTime("2030-04-01T00:30:00.000Z");
    await world.tick();
    const [stored] = world.invoices();
    if (!stored) throw new Error("no invoice");
    const { app } = world.emulator;
    const path = `/installations/${world.installation.id}/billing`;

    const page = await app.request(path);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('<svg role="img" aria-label="Usage in requests over time"');
    expect(body.match(/<polyline/g)?.length).toBeGreaterThanOrEqual(4);
    expect(body).toContain("pro · Requests");
    expect(body).toContain("$21.00");
    expect(body).toContain(stored.invoice.externalId ?? "missing");
    expect(await (await app.request("/billing")).text()).toContain(`href="${path}"`);

    const moved = await app.request(
      `${path}/invoices/${stored.invoice.invoiceId}/state`,
      postForm({ state: "overdue" }),
    );
    expect(moved.status).toBe(303);
    const notice = new URL(moved.headers.get("location") ?? "", "http://console").searchParams;
    expect(notice.get("notice")).toContain("the webhook was delivered (200)");
    await world.partner.jobs.drain();
    expect(await world.partner.store.getResource(world.installation.id, pro.id)).toMatchObject({
      status: "suspended",
    });

    const bought = await app.request(
      `${path}/credits`,
      postForm({ resourceId: credits.id, amount: "15.00" }),
    );
    expect(bought.status).toBe(303);
    expect(await world.partner.services.billing.balances(world.installation.id)).toEqual([
      { currencyValueInCents: 1500, credit: "$15.00", resourceId: credits.id },
    ]);
    const refused = await app.request(
      `${path}/credits`,
      postForm({ resourceId: credits.id, amount: "lots" }),
    );
    expect(refused.status).toBe(400);
  });

  it("says so when the partner cannot close a period on demand (only partnerkit dev can)", async () => {
    world = await billingWorld({ start: "2030-03-02T10:00:00.000Z" });
    const path = `/installations/${world.installation.id}/billing`;
    expect(await (await world.emulator.app.request(path)).text()).toContain("Close the period now");

    const refused = await world.emulator.app.request(`${path}/close-period`, { method: "POST" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("does not offer closing a period on demand");
    expect(world.invoices()).toEqual([]);
  });
});
