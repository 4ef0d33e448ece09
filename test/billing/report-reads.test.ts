import { afterEach, describe, expect, it, vi } from "vitest";
import type { BillingQueries } from "../../packages/partnerkit/src/store/billing-queries.ts";
import { type BillingWorld, billingWorld } from "./billing-world.ts";

let world: BillingWorld;
afterEach(() => world.close());

/** Reads of the billing history made by anything but `history` itself. */
function readsBesideHistory(billing: BillingQueries): string[] {
  const reads: string[] = [];
  let historiesInFlight = 0;
  const history = billing.history.bind(billing);
  vi.spyOn(billing, "history").mockImplementation(async (...args) => {
    historiesInFlight += 1;
    try {
      return await history(...args);
    } finally {
      historiesInFlight -= 1;
    }
  });
  for (const name of [
    "ownerHistories",
    "planChanges",
    "credits",
    "usage",
    "installationUsage",
  ] as const) {
    const read = billing[name].bind(billing) as (...args: unknown[]) => Promise<unknown>;
    vi.spyOn(billing, name).mockImplementation(((...args: unknown[]) => {
      if (historiesInFlight === 0) reads.push(name);
      return read(...args);
    }) as never);
  }
  return reads;
}

describe("a billing report", () => {
  it("reads the installation's history once for both its billing data and its balances", async () => {
    world = await billingWorld({ start: "2030-03-01T00:05:00.000Z" });
    const pro = await world.provision("pro", "paid monthly");
    const prepaid = await world.provision("credits", "prepaid");
    const { billing } = world.partner.store;
    const besideHistory = readsBesideHistory(billing);

    await world.tick();

    // Both halves of the report went out, each built from that one read.
    const [data] = world.calls(/\/billing$/);
    expect(data?.status).toBeLessThan(300);
    expect(JSON.stringify(data?.body)).toContain(pro.id);
    const [balances] = world.calls(/\/billing\/balance$/);
    expect(balances?.status).toBeLessThan(300);
    expect(JSON.stringify(balances?.body)).toContain(prepaid.id);
    expect(billing.history).toHaveBeenCalledTimes(1);
    expect(billing.history).toHaveBeenCalledWith(world.installation.id, {
      fromDay: "2030-03-01",
      toDay: "2030-03-31",
    });
    // Only the prepaid resource's usage of all time is read apart: a period's history holds
    // the period's days.
    expect(besideHistory).toEqual(["usage"]);
  });
});
