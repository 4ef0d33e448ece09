import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AcmeKvMetadata } from "../../examples/acme-kv/src/integration.ts";
import type { MetadataSchema } from "../../packages/partnerkit/src/emulator/console/metadata-form.ts";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { PartnerCallError } from "../../packages/partnerkit/src/emulator/partner-client.ts";
import { metadataDialect } from "../../packages/partnerkit/src/product/metadata-dialect.ts";
import { postForm } from "../support/forms.ts";
import { createTestPartner, PUBLIC_URL, type TestPartner } from "../support/partner-app.ts";

let partner: TestPartner;
let emulator: Emulator;

/** The emulator as Vercel, offering Acme KV with `metadataSchema` as its form. */
async function start(metadataSchema: MetadataSchema = metadataDialect("acme-kv", AcmeKvMetadata)) {
  // The partner trusts the emulator's issuer: it is configured with the emulator's key set.
  emulator = await createEmulator({
    url: "https://marketplace.vercel.com",
    partnerUrl: PUBLIC_URL,
    clientId: "oac_test_integration",
    clientSecret: "test-secret",
    partnerFetch: (request) => Promise.resolve(partner.app.fetch(request)),
    products: [{ id: "acme-kv", name: "Acme KV", metadataSchema }],
  });
  partner = await createTestPartner({ keys: emulator.issuer.localKeySet() });
}

beforeEach(() => start());
afterEach(() => partner.close());

async function installThroughConsole(): Promise<string> {
  const response = await emulator.app.request("/console/install", { method: "POST" });
  expect(response.status).toBe(303);
  const installationId = response.headers.get("location")?.split("/").pop() ?? "";
  expect(installationId).toMatch(/^icfg_/);
  return installationId;
}

describe("emulator console", () => {
  it("installs: the partner stores the installation with the access token the emulator handed out", async () => {
    const installationId = await installThroughConsole();
    const sent = emulator.state.installations.get(installationId);
    expect(await partner.store.installationCredentials(installationId)).toEqual({
      accessToken: sent?.accessToken,
      tokenType: "Bearer",
    });
    const home = await (await emulator.app.request("/")).text();
    expect(home).toContain(installationId);
  });

  it("draws the metadata form and prices plans from the partner for the chosen region", async () => {
    const installationId = await installThroughConsole();
    const page = await emulator.app.request(
      `/installations/${installationId}?productId=acme-kv&metadata.region=fra1`,
    );
    const text = await page.text();
    expect(page.status).toBe(200);
    expect(text).toContain('<option value="fra1" selected');
    expect(text).toContain("$24.00/month + usage");
    expect(text).toContain('value="credits"');
  });

  it("provisions, connects to a project and shows the resulting env vars", async () => {
    const installationId = await installThroughConsole();
    const created = await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm({
        productId: "acme-kv",
        name: "cache",
        "metadata.region": "iad1",
        billingPlanId: "free",
      }),
    );
    expect(created.status).toBe(303);
    const resourceId = created.headers.get("location")?.split("/").pop() ?? "";
    const resource = emulator.state.resources.get(resourceId);
    expect(resource).toMatchObject({ name: "cache", status: "ready", billingPlan: { id: "free" } });
    expect(await partner.store.getResource(installationId, resourceId)).toMatchObject({
      name: "cache",
    });

    const connected = await emulator.app.request(
      `/installations/${installationId}/resources/${resourceId}/connect`,
      postForm({ project: "shop", environments: "production", prefix: "cache" }),
    );
    expect(connected.status).toBe(303);
    const project = [...emulator.state.projects.values()].find(
      (candidate) => candidate.name === "shop",
    );
    expect(emulator.state.projectEnv(project?.id ?? "", "production")).toEqual({
      CACHE_KV_REST_API_URL: `${PUBLIC_URL}/kv/${resourceId}`,
      CACHE_KV_REST_API_TOKEN: expect.stringMatching(/^akv_/),
    });
    expect(emulator.state.projectEnv(project?.id ?? "", "preview")).toEqual({});
    const projectPage = await (
      await emulator.app.request(connected.headers.get("location") ?? "")
    ).text();
    expect(projectPage).toContain("CACHE_KV_REST_API_TOKEN");
  });

  it("records both directions with secrets masked on the timeline", async () => {
    const installationId = await installThroughConsole();
    await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm({
        productId: "acme-kv",
        name: "cache",
        "metadata.region": "iad1",
        billingPlanId: "free",
      }),
    );
    const calls = emulator.calls({ installationId });
    expect(calls.map((call) => `${call.method} ${call.status}`)).toEqual([
      "PUT 200",
      "POST 200",
      "GET 200",
    ]);
    const token = emulator.state.installations.get(installationId)?.accessToken ?? "";
    const kvToken = [...emulator.state.resources.values()][0]?.secrets[1]?.value ?? "";
    const timeline = await (await emulator.app.request("/timeline")).text();
    const inspector = await (
      await emulator.app.request(`/__emulator/calls?installationId=${installationId}`)
    ).text();
    for (const page of [timeline, inspector]) {
      expect(page).toContain("KV_REST_API_TOKEN");
      expect(page).not.toContain(token);
      expect(page).not.toContain(kvToken);
    }
  });

  it("refuses a value Vercel's form would not send, without calling the partner", async () => {
    const installationId = await installThroughConsole();
    const refused = await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm({
        productId: "acme-kv",
        name: "cache",
        "metadata.region": "mars",
        billingPlanId: "free",
      }),
    );
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(text).toContain("Choose one of: iad1, fra1, sfo1");
    expect(text).not.toContain("Provision Resource answered");
    expect(emulator.state.resourcesOf(installationId)).toEqual([]);
  });

  it("shows the partner's refusal of what the form let through instead of failing", async () => {
    await partner.close();
    // A form looser than the partner: any text for the region.
    await start({ type: "object", properties: { region: { type: "string" } } });
    const installationId = await installThroughConsole();
    const refused = await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm({
        productId: "acme-kv",
        name: "cache",
        "metadata.region": "mars",
        billingPlanId: "free",
      }),
    );
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(text).toContain("Provision Resource answered 400");
    expect(text).toContain("region");
  });

  it("uninstalls with cascade: the partner deletes the resources and finalizes a free install", async () => {
    const installationId = await installThroughConsole();
    const resource = await emulator.partner.provision(installationId, {
      productId: "acme-kv",
      name: "cache",
      metadata: { region: "iad1" },
      billingPlanId: "free",
    });
    const response = await emulator.app.request(
      `/installations/${installationId}/uninstall`,
      postForm({ cascade: "true", confirm: "yes" }),
    );
    expect(response.status).toBe(303);
    expect(emulator.state.installations.get(installationId)).toMatchObject({
      status: "uninstalled",
      finalized: true,
    });
    expect(
      (await partner.store.getResource(installationId, resource.id))?.deletedAt,
    ).not.toBeNull();
  });

  it("reports a partner answer Vercel would reject as a PartnerCallError", async () => {
    await expect(emulator.partner.uninstall("icfg_missing")).rejects.toThrow(
      /No live installation/,
    );
    const installationId = await installThroughConsole();
    await expect(
      emulator.partner.provision(installationId, {
        productId: "acme-kv",
        name: "x",
        metadata: { region: "mars" },
        billingPlanId: "free",
      }),
    ).rejects.toBeInstanceOf(PartnerCallError);
  });
});
