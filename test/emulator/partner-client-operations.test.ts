import { afterEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import {
  createTestPartner,
  PUBLIC_URL,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

/** The emulator driving our server in-process, the server trusting the emulator's keys. */
async function setup(): Promise<Emulator> {
  const emulator = await createEmulator({
    url: "https://marketplace.vercel.com",
    partnerUrl: PUBLIC_URL,
    clientId: "oac_test_integration",
    clientSecret: TEST_WEBHOOK_SECRET,
    partnerFetch: async (request) =>
      partner?.app.fetch(request) ?? new Response(null, { status: 503 }),
  });
  partner = await createTestPartner({ keys: emulator.issuer.localKeySet() });
  return emulator;
}

const provisionRequest = {
  productId: "acme-kv",
  name: "cache",
  metadata: { region: "iad1" },
  billingPlanId: "free",
};

describe("the emulator's driver for rotation, REPL and transfers", () => {
  it("rotates secrets and updates the env vars Vercel gives connected projects", async () => {
    const emulator = await setup();
    const installation = await emulator.partner.install();
    const resource = await emulator.partner.provision(installation.id, provisionRequest);
    const project = emulator.state.createProject("web");
    emulator.state.connect(project.id, { resourceId: resource.id, environments: ["production"] });
    const before = emulator.state.projectEnv(project.id, "production").KV_REST_API_TOKEN;

    const answer = await emulator.partner.rotateSecrets(installation.id, resource.id, {
      delayOldSecretsExpirationHours: 2,
    });
    expect(answer.sync).toBe(true);
    const env = emulator.state.projectEnv(project.id, "production");
    expect(env.KV_REST_API_TOKEN).not.toBe(before);
    expect(env.KV_REST_API_URL).toBe(`${PUBLIC_URL}/kv/${resource.id}`);
  });

  it("runs REPL commands and refuses a write from a USER-role member", async () => {
    const emulator = await setup();
    const installation = await emulator.partner.install();
    const resource = await emulator.partner.provision(installation.id, provisionRequest);
    await emulator.partner.repl(installation.id, resource.id, "set color blue");
    expect(await emulator.partner.repl(installation.id, resource.id, "get color")).toEqual([
      { type: "paragraph", children: [{ type: "text", text: "blue" }] },
    ]);
    await expect(
      emulator.partner.repl(installation.id, resource.id, "del color", { role: "USER" }),
    ).rejects.toThrow(/answered 403/);
  });

  it("transfers a resource to another installation through create, verify and accept", async () => {
    const emulator = await setup();
    const source = await emulator.partner.install();
    const target = await emulator.partner.install();
    const resource = await emulator.partner.provision(source.id, provisionRequest);
    const claimId = await emulator.partner.createTransfer(
      source.id,
      [resource.id],
      Date.now() + 60_000,
    );
    expect(await emulator.partner.verifyTransfer(target.id, claimId)).toEqual({ valid: true });
    await emulator.partner.acceptTransfer(target.id, claimId);
    expect(emulator.state.resourcesOf(target.id).map((r) => r.id)).toEqual([resource.id]);
    expect(emulator.state.resourcesOf(source.id)).toEqual([]);
    const refreshed = await emulator.partner.refreshResource(target.id, resource.id);
    expect(refreshed.installationId).toBe(target.id);
  });
});
