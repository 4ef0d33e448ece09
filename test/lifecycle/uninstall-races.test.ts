import { afterEach, describe, expect, it } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { defineIntegration } from "../../packages/partnerkit/src/core/define-integration.ts";
import type { LifecycleLockOptions } from "../../packages/partnerkit/src/core/installations.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  PUBLIC_URL,
  provisionBody,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

/** A promise the test resolves by hand, to hold a hook at a chosen point of a race. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** Acme KV whose uninstall hooks count their runs and can be held open. */
async function countingPartner(lifecycleLock?: LifecycleLockOptions) {
  const runs = { deleted: [] as string[], uninstalled: 0 };
  const hold = {
    uninstall: gate(),
    uninstallEntered: gate(),
    delete: gate(),
    deleteEntered: gate(),
  };
  hold.uninstall.open();
  hold.delete.open();
  const partner = await createTestPartner({
    integration: (kv) => {
      const base = acmeKvIntegration({ kv, publicUrl: PUBLIC_URL });
      return defineIntegration({
        ...base,
        products: base.products.map((product) => ({
          ...product,
          async delete(ctx, resource) {
            hold.deleteEntered.open();
            await hold.delete.opened;
            await product.delete?.(ctx, resource);
            runs.deleted.push(resource.id);
          },
        })),
        async onUninstall() {
          hold.uninstallEntered.open();
          await hold.uninstall.opened;
          runs.uninstalled += 1;
        },
      });
    },
    services: { lifecycleLock },
  });
  return { partner, runs, hold };
}

async function provision(partner: TestPartner, name: string): Promise<string> {
  const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody({ name }),
  });
  return (await readBody(response, ProvisionResourceResponse)).id;
}

let eventCount = 0;
/** Delivers `integration-configuration.removed` and processes it as the job runner would. */
async function removedWebhook(partner: TestPartner): Promise<void> {
  eventCount += 1;
  const body = JSON.stringify({
    id: `evt_removed_${eventCount}`,
    type: "integration-configuration.removed",
    createdAt: Date.now(),
    payload: { configuration: { id: "icfg_1", projectSelection: "all" } },
  });
  const delivered = await partner.app.request("/webhooks", {
    method: "POST",
    headers: { "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET) },
    body,
  });
  expect(delivered.status).toBe(200);
  await partner.jobs.drain();
}

const cascade = (partner: TestPartner, headers?: Record<string, string>) =>
  partner.call("DELETE", "/v1/installations/icfg_1", {
    body: { cascadeResourceDeletion: true, reason: "uninstall" },
    headers,
  });

let partner: TestPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

describe("uninstall runs each provider hook once (spec §4.4, §6.4)", () => {
  it("two concurrent cascade DELETEs delete each resource once and uninstall once", async () => {
    const world = await countingPartner();
    partner = world.partner;
    await install(partner);
    const ids = [await provision(partner, "one"), await provision(partner, "two")];
    world.hold.delete = gate();

    const first = cascade(partner);
    await world.hold.deleteEntered.opened;
    const second = cascade(partner);
    await new Promise((resolve) => setTimeout(resolve, 50));
    world.hold.delete.open();
    const answers = await Promise.all([first, second]);

    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(world.runs.deleted.sort()).toEqual([...ids].sort());
    expect(world.runs.uninstalled).toBe(1);
    for (const id of ids) {
      expect((await partner.store.getResource("icfg_1", id))?.deletedAt).not.toBeNull();
    }
  });

  it("a cascade DELETE racing the removed webhook, DELETE first: each hook once", async () => {
    const world = await countingPartner();
    partner = world.partner;
    await install(partner);
    const ids = [await provision(partner, "one"), await provision(partner, "two")];
    world.hold.uninstall = gate();

    const deleted = cascade(partner);
    await world.hold.uninstallEntered.opened;
    const removed = removedWebhook(partner);
    await new Promise((resolve) => setTimeout(resolve, 50));
    world.hold.uninstall.open();
    const [answer] = await Promise.all([deleted, removed]);

    expect(answer.status).toBe(200);
    expect(world.runs.deleted.sort()).toEqual([...ids].sort());
    expect(world.runs.uninstalled).toBe(1);
  });

  it("the removed webhook racing a cascade DELETE, webhook first: resources still deleted once", async () => {
    const world = await countingPartner();
    partner = world.partner;
    await install(partner);
    const ids = [await provision(partner, "one"), await provision(partner, "two")];
    world.hold.uninstall = gate();

    const removed = removedWebhook(partner);
    await world.hold.uninstallEntered.opened;
    const deleted = cascade(partner);
    await new Promise((resolve) => setTimeout(resolve, 50));
    world.hold.uninstall.open();
    const [, answer] = await Promise.all([removed, deleted]);

    expect(answer.status).toBe(200);
    expect(world.runs.deleted.sort()).toEqual([...ids].sort());
    expect(world.runs.uninstalled).toBe(1);
    for (const id of ids) {
      expect((await partner.store.getResource("icfg_1", id))?.deletedAt).not.toBeNull();
    }
  });

  it("the webhook, then a cascade DELETE: the kept resources are deleted, uninstall ran once", async () => {
    const world = await countingPartner();
    partner = world.partner;
    await install(partner);
    const ids = [await provision(partner, "one"), await provision(partner, "two")];

    await removedWebhook(partner);
    expect(world.runs.deleted).toEqual([]);
    expect(await partner.store.getResource("icfg_1", ids[0] ?? "")).toMatchObject({
      status: "uninstalled",
      deletedAt: null,
    });

    const answer = await cascade(partner);
    expect(answer.status).toBe(200);
    const again = await cascade(partner);
    expect(again.status).toBe(200);

    expect(world.runs.deleted.sort()).toEqual([...ids].sort());
    expect(world.runs.uninstalled).toBe(1);
    for (const id of ids) {
      expect((await partner.store.getResource("icfg_1", id))?.deletedAt).not.toBeNull();
    }
  });

  it("a delete hook that fails leaves the uninstall to its retry, which finishes it", async () => {
    const world = await countingPartner();
    partner = world.partner;
    await install(partner);
    const ids = [await provision(partner, "one"), await provision(partner, "two")];
    let failures = 1;
    const failing = partner.integration.product("acme-kv");
    const original = failing?.delete;
    if (failing && original) {
      failing.delete = async (ctx, resource) => {
        if (resource.id === ids[1] && failures-- > 0) throw new Error("provider unavailable");
        await original(ctx, resource);
      };
    }

    expect((await cascade(partner)).status).toBe(500);
    expect(world.runs.uninstalled).toBe(0);
    expect((await partner.call("GET", "/v1/installations/icfg_1", { auth: "system" })).status).toBe(
      200,
    );
    expect((await cascade(partner)).status).toBe(200);
    expect(world.runs.deleted.sort()).toEqual([...ids].sort());
    expect(world.runs.uninstalled).toBe(1);
  });
});

describe("the installation's lifecycle lock", () => {
  it("a request kept waiting too long answers 503 busy, and its retry with the same key runs", async () => {
    const world = await countingPartner({ waitMs: 200 });
    partner = world.partner;
    await install(partner);
    world.hold.uninstall = gate();

    const first = cascade(partner);
    await world.hold.uninstallEntered.opened;
    const key = { "idempotency-key": "delete-retried" };
    const refused = await cascade(partner, key);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toMatchObject({ error: { code: "busy" } });
    expect(world.runs.uninstalled).toBe(0);

    world.hold.uninstall.open();
    expect((await first).status).toBe(200);
    // Not a replay of the 503: the retry runs, finds the uninstall done, and answers as it would.
    const retried = await cascade(partner, key);
    expect(retried.status).toBe(200);
    expect(world.runs.uninstalled).toBe(1);
  });

  it("a holder renews its lease while its hook runs: nobody takes the lock over meanwhile", async () => {
    const world = await countingPartner({ leaseMs: 150, waitMs: 10_000 });
    partner = world.partner;
    await install(partner);
    world.hold.uninstall = gate();

    const first = cascade(partner);
    await world.hold.uninstallEntered.opened;
    // Several leases long: without renewal the second request would take the lock and run the hook.
    await new Promise((resolve) => setTimeout(resolve, 600));
    let secondAnswered = false;
    const second = cascade(partner).then((response) => {
      secondAnswered = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondAnswered).toBe(false);

    world.hold.uninstall.open();
    expect((await Promise.all([first, second])).map((answer) => answer.status)).toEqual([200, 200]);
    expect(world.runs.uninstalled).toBe(1);
  });
});
