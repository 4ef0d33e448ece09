import { afterEach, describe, expect, it } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { defineIntegration } from "../../packages/partnerkit/src/core/define-integration.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";
import { type BillingWorld, billingWorld } from "./billing-world.ts";

let world: BillingWorld;
afterEach(() => world.close());

describe("uninstall with money owed (spec §4.4, §5.15)", () => {
  it("answers finalized: false, then submits the final invoice and only then finalizes", async () => {
    world = await billingWorld({ start: "2030-07-01T06:00:00.000Z" });
    const pro = await world.provision("pro");
    await world.partner.services.billing.meter(pro.id, "requests", 1_100_000);
    world.setTime("2030-07-12T15:00:00.000Z");

    const answer = await world.emulator.partner.uninstall(world.installation.id, {
      cascade: false,
    });
    expect(answer).toEqual({ finalized: false });
    expect(world.invoices()).toEqual([]);

    world.emulator.vercelApi.faults.add({ path: "/billing/finalize", status: 503, times: 100 });
    await world.partner.jobs.drain();
    world.emulator.vercelApi.faults.clear();
    await world.retryFailedJobs();

    const invoices = world.invoices();
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({
      final: true,
      // $20.00 + 11 × $0.20 − $0.20 included, dated the day of the uninstall.
      invoice: { total: "22.00", invoiceDate: "2030-07-12T15:00:00.000Z" },
    });
    expect(world.closingCalls()).toEqual(["invoice", "finalize"]);
    expect(world.emulator.state.installations.get(world.installation.id)?.finalized).toBe(true);
    // The retried job resent the same invoice (same externalId): still one.
    expect(world.calls(/\/billing\/invoices$/).filter((call) => call.status === 200)).toHaveLength(
      1,
    );
  });

  it("does the same when integration-configuration.removed arrives instead of DELETE", async () => {
    world = await billingWorld({ start: "2030-07-01T06:00:00.000Z" });
    const pro = await world.provision("pro");
    world.setTime("2030-07-03T09:00:00.000Z");
    // Vercel's side: the installation is being removed, so `final` invoices are accepted.
    world.installation.status = "uninstalled";
    const body = JSON.stringify({
      id: "evt_removed_1",
      type: "integration-configuration.removed",
      createdAt: Date.now(),
      payload: { configuration: { id: world.installation.id, projectSelection: "all" } },
    });
    const delivered = await world.partner.app.request("/webhooks", {
      method: "POST",
      headers: { "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET) },
      body,
    });
    expect(delivered.status).toBe(200);
    await world.partner.jobs.drain();

    expect(
      world.invoices().map(({ invoice, final }) => [invoice.externalId, invoice.total, final]),
    ).toEqual([[`${pro.id}-pro-2030-07`, "20.00", true]]);
    expect(world.emulator.state.installations.get(world.installation.id)?.finalized).toBe(true);
    expect(await world.partner.store.getResource(world.installation.id, pro.id)).toMatchObject({
      status: "uninstalled",
    });
  });

  it("answers finalized: true and calls nothing when only free resources were used", async () => {
    world = await billingWorld({ start: "2030-07-01T06:00:00.000Z" });
    const free = await world.provision("free");
    await world.partner.services.billing.meter(free.id, "requests", 5_000);
    const answer = await world.emulator.partner.uninstall(world.installation.id);
    expect(answer).toEqual({ finalized: true });
    await world.partner.jobs.drain();
    expect(world.invoices()).toEqual([]);
    expect(world.calls(/\/billing\/finalize$/)).toEqual([]);
  });

  it("queues the finalize job only once the uninstall is done, not for one that failed", async () => {
    let failures = 1;
    world = await billingWorld({
      start: "2030-07-01T06:00:00.000Z",
      integration: (kv) =>
        defineIntegration({
          ...acmeKvIntegration({ kv, publicUrl: PUBLIC_URL }),
          async onUninstall() {
            if (failures-- > 0) throw new Error("tenant service down");
          },
        }),
    });
    await world.provision("pro");
    const finalizeJobs = () => world.partner.store.listJobs({ kind: "billing-finalize" });

    await expect(
      world.emulator.partner.uninstall(world.installation.id, { cascade: false }),
    ).rejects.toThrow();
    expect(await finalizeJobs()).toEqual([]);
    expect(
      (await world.partner.store.getInstallation(world.installation.id))?.deletedAt,
    ).toBeNull();

    const answer = await world.emulator.partner.uninstall(world.installation.id, {
      cascade: false,
    });
    expect(answer).toEqual({ finalized: false });
    expect(await finalizeJobs()).toHaveLength(1);
  });
});
