import { beforeEach, describe, expect, it } from "vitest";
import { consoleProducts } from "../../packages/partnerkit/src/emulator/console/product-config.ts";
import type { Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { postForm } from "../support/forms.ts";
import { emulatorOfRecordingPartner, type PartnerCall } from "./metadata-dialect-fixtures.ts";

let emulator: Emulator;
let calls: PartnerCall[];
let installationId: string;

beforeEach(async () => {
  ({ emulator, calls } = await emulatorOfRecordingPartner([
    { id: "acme-flags", name: "Acme Flags", experimentation: { edgeConfigSyncing: true } },
    { id: "acme-kv", name: "Acme KV" },
  ]));
  const installed = await emulator.app.request("/console/install", { method: "POST" });
  installationId = installed.headers.get("location")?.split("/").pop() ?? "";
});

const base = () => `/installations/${installationId}`;
const text = async (path: string) => (await emulator.app.request(path)).text();

/** The console's create form as a browser submits it; the flags box is drawn ticked. */
async function create(fields: Record<string, string>): Promise<string> {
  const response = await emulator.app.request(
    `${base()}/resources`,
    postForm({ name: "checkout", billingPlanId: "hobby", syncFlagsOffered: "1", ...fields }),
  );
  expect(response.status).toBe(303);
  return response.headers.get("location")?.split("/").pop() ?? "";
}

const sent = (method: string, suffix: string) =>
  calls.filter((call) => call.method === method && call.path.endsWith(suffix)).at(-1)?.body;

/** The partner's call to the emulator's Vercel API, with the installation's access token. */
function partnerCalls(resourceId: string, path: string, method: string, body: unknown) {
  const token = emulator.state.installations.get(installationId)?.accessToken ?? "";
  return emulator.app.request(
    `/v1/installations/${installationId}/resources/${resourceId}/experimentation/${path}`,
    {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    },
  );
}

describe("provisioning a flags product with syncing", () => {
  it("offers syncing, ticked, for a flags product only", async () => {
    const flags = await text(`${base()}?productId=acme-flags`);
    expect(flags).toMatch(/<input type="checkbox" name="syncFlags" value="on" checked/);
    expect(flags).toContain("Sync flags to an Edge Config");
    expect(await text(`${base()}?productId=acme-kv`)).not.toContain("Sync flags");
    // A redrawn form keeps the box as the person left it.
    const unticked = await text(`${base()}?productId=acme-flags&syncFlagsOffered=1`);
    expect(unticked).toMatch(/name="syncFlags" value="on"\s+\/>/);
  });

  it("sends the new Edge Config's id in protocolSettings and gives connected projects EXPERIMENTATION_CONFIG", async () => {
    const resourceId = await create({ productId: "acme-flags", syncFlags: "on" });
    const resource = emulator.state.resources.get(resourceId);
    const edgeConfig = resource?.edgeConfig;
    expect(edgeConfig?.id).toMatch(/^ecfg_[0-9a-f]{16}$/);
    expect(sent("POST", "/resources")).toMatchObject({
      productId: "acme-flags",
      protocolSettings: { experimentation: { edgeConfigId: edgeConfig?.id } },
    });
    // Vercel's record survives the partner's answers, which leave protocolSettings out.
    await emulator.partner.refreshResource(installationId, resourceId);
    expect(emulator.state.resources.get(resourceId)?.edgeConfig).toEqual(edgeConfig);

    const connected = await emulator.app.request(
      `${base()}/resources/${resourceId}/connect`,
      postForm({ project: "shop", environments: ["production", "preview"] }),
    );
    expect(connected.status).toBe(303);
    const project = emulator.state.projectNamed("shop");
    expect(emulator.state.projectEnv(project.id, "production")).toMatchObject({
      EXPERIMENTATION_CONFIG: `https://edge-config.vercel.com/${edgeConfig?.id}?token=${edgeConfig?.token}`,
    });
    expect(emulator.state.projectEnv(project.id, "development")).toEqual({});
  });

  it("sends no protocolSettings when the box is unticked, and syncing can be turned on in the settings", async () => {
    const resourceId = await create({ productId: "acme-flags" });
    expect(sent("POST", "/resources")).not.toHaveProperty("protocolSettings");
    expect(emulator.state.resources.get(resourceId)?.edgeConfig).toBeUndefined();
    const refused = await partnerCalls(resourceId, "global-config", "PUT", { data: { a: 1 } });
    expect(refused.status).toBe(404);

    const settings = await text(`${base()}/resources/${resourceId}`);
    expect(settings).toContain('name="syncFlags"');
    const saved = await emulator.app.request(
      `${base()}/resources/${resourceId}/update`,
      postForm({ name: "checkout", syncFlags: "on" }),
    );
    expect(saved.status).toBe(303);
    const edgeConfig = emulator.state.resources.get(resourceId)?.edgeConfig;
    expect(edgeConfig?.id).toMatch(/^ecfg_/);
    expect(sent("PATCH", `/resources/${resourceId}`)).toMatchObject({
      protocolSettings: { experimentation: { edgeConfigId: edgeConfig?.id } },
    });
    const pushed = await partnerCalls(resourceId, "global-config", "PUT", { data: { a: 1 } });
    expect(pushed.status).toBe(200);
    // Saving again does not make another Edge Config.
    await emulator.app.request(
      `${base()}/resources/${resourceId}/update`,
      postForm({ name: "checkout" }),
    );
    expect(emulator.state.resources.get(resourceId)?.edgeConfig).toEqual(edgeConfig);
  });

  it("never sends protocolSettings for a product without the experimentation protocol", async () => {
    const resourceId = await create({ productId: "acme-kv", syncFlags: "on" });
    expect(sent("POST", "/resources")).not.toHaveProperty("protocolSettings");
    expect(await text(`${base()}/resources/${resourceId}`)).not.toContain("Flags");
  });

  it("reads the experimentation protocol from a product configuration", () => {
    const [flags, off, kv] = consoleProducts({
      products: [
        { id: "acme-flags", protocols: { experimentation: { status: "enabled" } } },
        {
          id: "no-sync",
          protocols: { experimentation: { status: "enabled", edgeConfigSyncingSupport: false } },
        },
        { id: "acme-kv", protocols: { storage: {} } },
      ],
    });
    expect(flags?.experimentation).toEqual({ edgeConfigSyncing: true });
    expect(off?.experimentation).toEqual({ edgeConfigSyncing: false });
    expect(kv?.experimentation).toBeUndefined();
  });
});

describe("the console's Flags page", () => {
  it("shows the items, the pushed configuration and the calls, and links it from the resource page", async () => {
    const resourceId = await create({ productId: "acme-flags", syncFlags: "on" });
    const items = [
      {
        id: "f1",
        slug: "new-checkout",
        name: "New checkout",
        origin: "https://flags.example/f/f1",
        category: "flag",
        createdAt: Date.UTC(2026, 11, 6, 20, 15, 4),
      },
      { id: "f2", slug: "sneaky", origin: "javascript:alert(1)", isArchived: true },
    ];
    expect((await partnerCalls(resourceId, "items", "POST", { items })).status).toBe(204);
    const data = { "new-checkout": { enabled: true } };
    expect((await partnerCalls(resourceId, "edge-config", "PUT", { data })).status).toBe(200);

    const summary = await text(`${base()}/resources/${resourceId}`);
    expect(summary).toContain("2 experimentation items");
    expect(summary).toContain(`href="${base()}/resources/${resourceId}/flags"`);

    const page = await text(`${base()}/resources/${resourceId}/flags`);
    expect(page).toContain("Flags of checkout");
    expect(page).toContain("New checkout");
    expect(page).toContain("2026-12-06 20:15:04 UTC");
    expect(page).toContain('<a href="https://flags.example/f/f1"');
    expect(page).not.toContain('href="javascript:');
    expect(page).toContain("PUT …/experimentation/edge-config");
    expect(page).toContain(emulator.vercelApi.store.flagsConfigs.get(resourceId)?.digest);
    expect(page).toContain("&quot;enabled&quot;: true");
    expect(page).toContain("/experimentation/items");
  });

  it("sets, refuses and turns off the provisioning-delay fault", async () => {
    const resourceId = await create({ productId: "acme-flags", syncFlags: "on" });
    const delay = `${base()}/resources/${resourceId}/flags/provisioning-delay`;
    const set = await emulator.app.request(delay, postForm({ ms: "5000", status: "404" }));
    expect(set.status).toBe(303);
    expect(emulator.vercelApi.faults.pending()).toMatchObject([
      { withinMsOfProvisioning: 5000, status: 404 },
    ]);
    expect(await text(`${base()}/resources/${resourceId}/flags`)).toContain(
      "Now: 5000 ms, answering 404",
    );
    const pushed = await partnerCalls(resourceId, "global-config", "PUT", { data: { a: 1 } });
    expect(pushed.status).toBe(404);

    const refused = await emulator.app.request(delay, postForm({ ms: "-3", status: "500" }));
    expect(refused.status).toBe(400);
    expect(emulator.vercelApi.faults.pending()).toHaveLength(1);

    const replaced = await emulator.app.request(delay, postForm({ ms: "20", status: "409" }));
    expect(replaced.status).toBe(303);
    expect(emulator.vercelApi.faults.pending()).toMatchObject([
      { withinMsOfProvisioning: 20, status: 409 },
    ]);
    await emulator.app.request(delay, postForm({ ms: "20", status: "409", off: "1" }));
    expect(emulator.vercelApi.faults.pending()).toEqual([]);
  });
});
