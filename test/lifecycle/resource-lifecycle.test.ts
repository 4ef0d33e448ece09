import { afterEach, describe, expect, it } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import { defineIntegration } from "../../packages/partnerkit/src/core/define-integration.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  PUBLIC_URL,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";
import { failTransaction } from "../support/store.ts";

/** Acme KV that records which resources the provider made and deleted; `delete` can be held. */
async function recordingPartner() {
  const provider = { provisioned: [] as string[], deleted: [] as string[] };
  const hold = { delete: Promise.resolve(), deleteEntered: () => {} };
  const partner = await createTestPartner({
    integration: (kv) => {
      const base = acmeKvIntegration({ kv, publicUrl: PUBLIC_URL });
      return defineIntegration({
        ...base,
        products: base.products.map((product) => ({
          ...product,
          async provision(ctx, request) {
            const result = await product.provision(ctx, request);
            provider.provisioned.push(request.id);
            return result;
          },
          async delete(ctx, resource) {
            hold.deleteEntered();
            await hold.delete;
            await product.delete?.(ctx, resource);
            provider.deleted.push(resource.id);
          },
        })),
      });
    },
  });
  return { partner, provider, hold };
}

const provision = (partner: TestPartner) =>
  partner.call("POST", "/v1/installations/icfg_1/resources", { body: provisionBody() });

let partner: TestPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

describe("provisioning whose row cannot be written (spec §4.5)", () => {
  it("deletes what the provider made, so the retry leaves exactly one resource", async () => {
    const world = await recordingPartner();
    partner = world.partner;
    await install(partner);

    failTransaction(partner.store);
    expect((await provision(partner)).status).toBe(500);
    expect(world.provider.provisioned).toHaveLength(1);
    expect(world.provider.deleted).toEqual(world.provider.provisioned);

    const retried = await provision(partner);
    expect(retried.status).toBe(200);
    const { id } = await readBody(retried, ProvisionResourceResponse);
    const live = world.provider.provisioned.filter(
      (made) => !world.provider.deleted.includes(made),
    );
    expect(live).toEqual([id]);
    expect(await partner.store.listResources("icfg_1")).toHaveLength(1);
  });
});

describe("resource DELETE beside other deletes (spec §4.8, §4.4)", () => {
  async function heldDelete() {
    const world = await recordingPartner();
    partner = world.partner;
    await install(partner);
    const { id } = await readBody(await provision(partner), ProvisionResourceResponse);
    let release = () => {};
    world.hold.delete = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entered = new Promise<void>((resolve) => {
      world.hold.deleteEntered = resolve;
    });
    return { world, partner, id, entered, release };
  }

  it("two concurrent DELETEs of one resource run the provider's delete once", async () => {
    const { world, partner, id, entered, release } = await heldDelete();
    const path = `/v1/installations/icfg_1/resources/${id}`;
    const first = partner.call("DELETE", path);
    await entered;
    const second = partner.call("DELETE", path);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const answers = await Promise.all([first, second]);
    expect(answers.map((answer) => answer.status)).toEqual([204, 204]);
    expect(world.provider.deleted).toEqual([id]);
  });

  it("a resource DELETE racing a cascade uninstall runs the provider's delete once", async () => {
    const { world, partner, id, entered, release } = await heldDelete();
    const resourceDelete = partner.call("DELETE", `/v1/installations/icfg_1/resources/${id}`);
    await entered;
    const uninstall = partner.call("DELETE", "/v1/installations/icfg_1", {
      body: { cascadeResourceDeletion: true },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const [deleted, uninstalled] = await Promise.all([resourceDelete, uninstall]);
    expect(deleted.status).toBe(204);
    expect(uninstalled.status).toBe(200);
    expect(world.provider.deleted).toEqual([id]);
  });
});
