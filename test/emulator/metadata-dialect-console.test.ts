import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { postForm } from "../support/forms.ts";
import {
  EVERY_CONTROL,
  emulatorOfRecordingPartner,
  type PartnerCall,
} from "./metadata-dialect-fixtures.ts";

let emulator: Emulator;
let calls: PartnerCall[];

beforeEach(async () => {
  ({ emulator, calls } = await emulatorOfRecordingPartner([
    { id: "dialect-db", name: "Dialect DB", metadataSchema: EVERY_CONTROL },
  ]));
});

async function install(): Promise<string> {
  const response = await emulator.app.request("/console/install", { method: "POST" });
  expect(response.status).toBe(303);
  return response.headers.get("location")?.split("/").pop() ?? "";
}

const provisions = () =>
  calls.filter((call) => call.method === "POST" && call.path.endsWith("/resources"));

const VALID = {
  productId: "dialect-db",
  name: "orders",
  billingPlanId: "hobby",
  metadataForm: "1",
  "metadata.region": "fra1",
  "metadata.tier": "small",
  "slider.storage": "3",
  "metadata.engine": "pg",
  "metadata.version": "16",
  "metadata.backups": "true",
  "metadata.highAvailability": "true",
};

describe("the console's provision form in Vercel's dialect", () => {
  it("hides paid-only fields while the free plan is chosen and shows them on the paid one", async () => {
    const installationId = await install();
    const free = await (await emulator.app.request(`/installations/${installationId}`)).text();
    expect(free).toContain("Primary region");
    expect(free).not.toContain("High availability");
    const paid = await (
      await emulator.app.request(`/installations/${installationId}?billingPlanId=scale`)
    ).text();
    expect(paid).toContain("High availability");
    expect(paid).toMatch(/value="scale"[^>]*checked/);
  });

  it("refuses a value Vercel's form would not send: the field's error, and no Provision call", async () => {
    const installationId = await install();
    const answer = await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm({ ...VALID, "metadata.tier": "huge", "metadata.replicas": "12" }),
    );
    const page = await answer.text();
    expect(answer.status).toBe(400);
    expect(page).toContain("Not sent: the form has values Vercel would refuse.");
    expect(page).toMatch(/id="error-tier" role="alert">Choose one of: small, large, legacy</);
    expect(page).toMatch(/id="error-replicas" role="alert">Must be at most 5</);
    // What was typed stays in the form.
    expect(page).toContain('value="12"');
    expect(provisions()).toEqual([]);
    expect(emulator.state.resourcesOf(installationId)).toEqual([]);
  });

  it("sends what the person chose, hidden defaults, and no paid-only value on the free plan", async () => {
    const installationId = await install();
    const answer = await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm(VALID),
    );
    expect(answer.status).toBe(303);
    expect(provisions()).toHaveLength(1);
    const sent = provisions()[0]?.body?.metadata;
    expect(sent).toMatchObject({
      region: "fra1",
      tier: "small",
      storage: [8],
      engine: "pg",
      backups: true,
      internalId: "int-1",
      version: "16",
    });
    expect(sent).not.toHaveProperty("highAvailability");
  });

  it("sends a paid-only value when the paid plan is chosen", async () => {
    const installationId = await install();
    await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm({ ...VALID, billingPlanId: "scale" }),
    );
    expect(provisions()[0]?.body?.metadata).toMatchObject({ highAvailability: true });
  });
});

describe("the resource's settings form (update)", () => {
  async function provisioned(): Promise<{ installationId: string; resourceId: string }> {
    const installationId = await install();
    const created = await emulator.app.request(
      `/installations/${installationId}/resources`,
      postForm({ ...VALID, billingPlanId: "scale" }),
    );
    const resourceId = created.headers.get("location")?.split("/").pop() ?? "";
    return { installationId, resourceId };
  }

  it("shows update-only fields and locks the read-only ones", async () => {
    const { installationId, resourceId } = await provisioned();
    const page = await (
      await emulator.app.request(`/installations/${installationId}/resources/${resourceId}`)
    ).text();
    const settings = page.slice(page.indexOf('id="settings"'));
    expect(settings).toContain("Maintenance window");
    expect(settings).toMatch(/name="metadata\.version"\s+disabled/);
  });

  it("keeps read-only values unchanged and refuses a bad value without calling the partner", async () => {
    const { installationId, resourceId } = await provisioned();
    const base = `/installations/${installationId}/resources/${resourceId}`;
    const refused = await emulator.app.request(
      `${base}/update`,
      postForm({ ...VALID, "slider.storage": "", "metadata.storage": "5" }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(
      /id="error-storage" role="alert">Choose one of: 1, 2, 4, 8</,
    );
    expect(calls.filter((call) => call.method === "PATCH")).toEqual([]);

    const saved = await emulator.app.request(
      `${base}/update`,
      postForm({ ...VALID, "metadata.version": "99", "metadata.maintenance": "sun 02:00" }),
    );
    expect(saved.status).toBe(303);
    const patch = calls.find((call) => call.method === "PATCH")?.body?.metadata;
    expect(patch).toMatchObject({ version: "16", maintenance: "sun 02:00", storage: [8] });
  });
});
