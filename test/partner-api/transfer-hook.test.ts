import { afterEach, describe, expect, it } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import {
  defineIntegration,
  type Product,
  type ResourceTransfer,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { CreateTransferResponse } from "../../packages/partnerkit/src/protocol/transfers.ts";
import { readBody } from "../support/bodies.ts";
import { emulatedMarketplace, installWithKv, type Marketplace } from "../support/marketplace.ts";
import {
  createTestPartner,
  install,
  PUBLIC_URL,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

const HOUR = 60 * 60_000;

describe("onTransfer hook (spec §4.16)", () => {
  let partner: TestPartner;
  let calls: (ResourceTransfer & { resourceId: string; ctxInstallation: string })[];
  /** How many more calls throw before the hook works. */
  let failures = 0;
  afterEach(() => partner.close());

  async function setup() {
    calls = [];
    failures = 0;
    partner = await createTestPartner({
      // A failed hook's job is due again at once, so one drain sees its retry.
      jobBackoff: { baseMs: 0, maxMs: 0 },
      integration: (kv) => {
        const acme = acmeKvIntegration({ kv, publicUrl: PUBLIC_URL }).product("acme-kv") as Product;
        return defineIntegration({
          products: [
            {
              ...acme,
              async onTransfer(ctx, resource, transfer) {
                calls.push({
                  ...transfer,
                  resourceId: resource.id,
                  ctxInstallation: ctx.installation.id,
                });
                if (failures > 0) {
                  failures -= 1;
                  throw new Error("provider hiccup");
                }
              },
            },
          ],
        });
      },
    });
    for (const installationId of ["icfg_1", "icfg_2", "icfg_3"]) {
      await install(partner, installationId);
    }
  }

  async function provision(): Promise<string> {
    const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body: provisionBody(),
    });
    return (await readBody(response, ProvisionResourceResponse)).id;
  }

  async function claim(resourceIds: string[]): Promise<string> {
    const response = await partner.call(
      "POST",
      "/v1/installations/icfg_1/resource-transfer-requests",
      {
        auth: "system",
        body: { resourceIds, expiresAt: Date.now() + HOUR },
      },
    );
    return (await readBody(response, CreateTransferResponse)).providerClaimId;
  }

  const accept = (claimId: string, target: string) =>
    partner.call(
      "POST",
      `/v1/installations/${target}/resource-transfer-requests/${claimId}/accept`,
      { auth: "system", installationId: target },
    );

  const byResource = <T extends { resourceId: string }>(list: T[]) =>
    [...list].sort((a, b) => a.resourceId.localeCompare(b.resourceId));

  it("runs once per moved resource, for the new installation, however often accept is replayed", async () => {
    await setup();
    const ids = [await provision(), await provision()];
    const claimId = await claim(ids);
    expect((await accept(claimId, "icfg_2")).status).toBe(204);
    expect((await accept(claimId, "icfg_2")).status).toBe(204);
    expect((await accept(claimId, "icfg_3")).status).toBe(409);
    await partner.jobs.drain();
    expect((await accept(claimId, "icfg_2")).status).toBe(204);
    await partner.jobs.drain();

    expect(byResource(calls)).toEqual(
      byResource(
        ids.map((resourceId) => ({
          id: claimId,
          from: "icfg_1",
          to: "icfg_2",
          resourceId,
          ctxInstallation: "icfg_2",
        })),
      ),
    );
  });

  it("runs once per resource when accepts race, for the target that won", async () => {
    await setup();
    const ids = [await provision(), await provision()];
    const claimId = await claim(ids);
    const targets = ["icfg_2", "icfg_3", "icfg_2", "icfg_3", "icfg_2"];
    const answers = await Promise.all(targets.map((target) => accept(claimId, target)));
    await partner.jobs.drain();

    const winner = (await partner.store.transfers.get(claimId))?.targetInstallationId;
    expect(answers.filter((answer) => answer.status === 204).length).toBe(
      targets.filter((target) => target === winner).length,
    );
    expect(byResource(calls).map(({ resourceId, to }) => ({ resourceId, to }))).toEqual(
      byResource(ids.map((resourceId) => ({ resourceId, to: winner }))),
    );
  });

  it("calls a hook that threw again, and only that one", async () => {
    await setup();
    const resourceId = await provision();
    failures = 1;
    const claimId = await claim([resourceId]);
    expect((await accept(claimId, "icfg_2")).status).toBe(204);
    await partner.jobs.drain();
    // The move stands while the hook is retried; the second call succeeds and is the last.
    expect(await partner.store.getResource("icfg_2", resourceId)).toBeDefined();
    expect(calls.map((call) => call.resourceId)).toEqual([resourceId, resourceId]);
  });

  it("queues nothing for a claim that fails to move", async () => {
    await setup();
    const [kept, deleted] = [await provision(), await provision()];
    const claimId = await claim([kept, deleted]);
    await partner.call("DELETE", `/v1/installations/icfg_1/resources/${deleted}`);
    expect((await accept(claimId, "icfg_2")).status).toBe(409);
    await partner.jobs.drain();
    expect(calls).toEqual([]);
  });
});

describe("Acme KV on transfer", () => {
  let world: Marketplace;
  afterEach(() => world.close());

  it("re-issues the store's token for its new owner and sends it to Vercel", async () => {
    world = await emulatedMarketplace({ startJobs: false });
    const { emulator, partner } = world;
    const { installation: source, resource } = await installWithKv(emulator);
    const target = await emulator.partner.install();
    const tokenOf = () =>
      emulator.state.resources.get(resource.id)?.secrets.find((s) => s.name === "KV_REST_API_TOKEN")
        ?.value ?? "";
    const kv = (token: string, init: RequestInit = {}) =>
      partner.app.request(`/kv/${resource.id}/greeting`, {
        ...init,
        headers: { authorization: `Bearer ${token}` },
      });
    const provisionersToken = tokenOf();
    expect((await kv(provisionersToken, { method: "PUT", body: "hello" })).status).toBe(204);

    const claimId = await emulator.partner.createTransfer(
      source.id,
      [resource.id],
      Date.now() + HOUR,
    );
    await emulator.partner.acceptTransfer(target.id, claimId);
    await partner.jobs.drain();

    const secretsPut = emulator
      .calls({ direction: "partner→vercel" })
      .filter((call) => call.method === "PUT" && call.url.endsWith("/secrets"));
    expect(secretsPut.map((call) => [new URL(call.url).pathname, call.status])).toEqual([
      [`/v1/installations/${target.id}/resources/${resource.id}/secrets`, 201],
    ]);
    const ownersToken = tokenOf();
    expect(ownersToken).toMatch(/^akv_/);
    expect(ownersToken).not.toBe(provisionersToken);
    expect((await kv(provisionersToken)).status).toBe(401);
    const read = await kv(ownersToken);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("hello");
    // What Partnerkit keeps for the resource is what Vercel was told.
    expect(
      (await partner.store.resourceSecrets(resource.id)).find((s) => s.name === "KV_REST_API_TOKEN")
        ?.value,
    ).toBe(ownersToken);
  });
});
