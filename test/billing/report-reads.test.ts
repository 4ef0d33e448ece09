import { afterEach, describe, expect, it, vi } from "vitest";
import { type BillingWorld, billingWorld } from "./billing-world.ts";

let world: BillingWorld;
afterEach(() => world.close());

describe("a billing report", () => {
  it("reads the installation's plan history once for both its billing data and its balances", async () => {
    world = await billingWorld({ start: "2030-03-01T00:05:00.000Z" });
    const pro = await world.provision("pro", "paid monthly");
    const prepaid = await world.provision("credits", "prepaid");
    const { billing } = world.partner.store;
    const planChanges = vi.spyOn(billing, "planChanges");

    await world.tick();

    // Both halves of the report went out, each built from that one read.
    const [data] = world.calls(/\/billing$/);
    expect(data?.status).toBeLessThan(300);
    expect(JSON.stringify(data?.body)).toContain(pro.id);
    const [balances] = world.calls(/\/billing\/balance$/);
    expect(balances?.status).toBeLessThan(300);
    expect(JSON.stringify(balances?.body)).toContain(prepaid.id);
    const resourceReads = planChanges.mock.calls.filter(([subject]) => subject === "resource");
    expect(resourceReads).toHaveLength(1);
    expect(new Set(resourceReads[0]?.[1])).toEqual(new Set([pro.id, prepaid.id]));
  });
});
