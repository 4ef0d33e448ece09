import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InstallationResponse } from "../../packages/partnerkit/src/protocol/installations.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody, readError } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  installationBody,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

const kvToken = (resource: ProvisionResourceResponse) =>
  resource.secrets.find((secret) => secret.name === "KV_REST_API_TOKEN")?.value ?? "";

let partner: TestPartner;
beforeEach(async () => {
  partner = await createTestPartner();
});
afterEach(() => partner.close());

describe("PUT /v1/installations/:id", () => {
  it("creates the installation and stores the access token encrypted", async () => {
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      body: installationBody(),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});

    const stored = await partner.store.getInstallation("icfg_1");
    expect(stored).toMatchObject({
      accountId: "acct_1",
      installerUserId: "user_1",
      deletedAt: null,
    });
    expect(await partner.store.installationCredentials("icfg_1")).toEqual({
      accessToken: "vercel_installation_token_secret",
      tokenType: "Bearer",
    });
    const raw = await partner.database.kysely
      .withTables<{ installations: { id: string; credentials: string } }>()
      .selectFrom("installations")
      .select("credentials")
      .executeTakeFirstOrThrow();
    expect(raw.credentials).not.toContain("vercel_installation_token_secret");
  });

  it("keeps the plan and notification an earlier upsert stored", async () => {
    await install(partner);
    await partner.store.setInstallationPlan("icfg_1", "pro");
    const again = await partner.call("PUT", "/v1/installations/icfg_1", {
      body: installationBody({ credentials: { access_token: "rotated", token_type: "Bearer" } }),
    });
    expect(again.status).toBe(200);
    expect((await readBody(again, InstallationResponse)).billingPlan).toMatchObject({ id: "pro" });
    expect(await partner.store.installationCredentials("icfg_1")).toMatchObject({
      accessToken: "rotated",
    });
  });

  it("rejects a body without the required account with fields naming it", async () => {
    const { account: _omitted, ...body } = installationBody();
    const response = await partner.call("PUT", "/v1/installations/icfg_1", { body });
    expect(response.status).toBe(400);
    const error = await readError(response);
    expect(error.code).toBe("validation_error");
    expect(error.fields).toContainEqual(expect.objectContaining({ key: "account" }));
    expect(await partner.store.getInstallation("icfg_1")).toBeUndefined();
  });

  it("refuses a system token: upsert is user auth only", async () => {
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: "system",
      body: installationBody(),
    });
    expect(response.status).toBe(403);
    expect(await partner.store.getInstallation("icfg_1")).toBeUndefined();
  });

  it("refuses a read-only USER member", async () => {
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: "viewer",
      body: installationBody(),
    });
    expect(response.status).toBe(403);
    expect((await readError(response)).code).toBe("insufficient_role");
  });
});

describe("GET and PATCH /v1/installations/:id", () => {
  it("answers 404 with the error body for an unknown installation", async () => {
    const response = await partner.call("GET", "/v1/installations/icfg_1", { auth: "system" });
    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("not_found");
  });

  it("changes the installation plan and reports it", async () => {
    await install(partner);
    const patch = await partner.call("PATCH", "/v1/installations/icfg_1", {
      body: { billingPlanId: "pro" },
    });
    expect(patch.status).toBe(200);
    expect((await readBody(patch, InstallationResponse)).billingPlan).toMatchObject({
      id: "pro",
      type: "subscription",
    });
    const get = await partner.call("GET", "/v1/installations/icfg_1", { auth: "system" });
    expect((await readBody(get, InstallationResponse)).billingPlan?.id).toBe("pro");
  });

  it("rejects an unknown plan with a field error", async () => {
    await install(partner);
    const patch = await partner.call("PATCH", "/v1/installations/icfg_1", {
      body: { billingPlanId: "gold" },
    });
    expect(patch.status).toBe(400);
    expect((await readError(patch)).fields).toEqual([
      expect.objectContaining({ key: "billingPlanId" }),
    ]);
  });
});

describe("DELETE /v1/installations/:id", () => {
  it("cascades resource deletion through the provider hook and finalizes free installs", async () => {
    await install(partner);
    const provisioned = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body: provisionBody(),
    });
    const resource = await readBody(provisioned, ProvisionResourceResponse);
    const response = await partner.call("DELETE", "/v1/installations/icfg_1", {
      body: { cascadeResourceDeletion: true, reason: "uninstall" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finalized: true });
    expect((await partner.store.getResource("icfg_1", resource.id))?.deletedAt).not.toBeNull();
    expect(await partner.kv.authorize(resource.id, kvToken(resource))).toBe(false);

    const get = await partner.call("GET", "/v1/installations/icfg_1", { auth: "system" });
    expect(get.status).toBe(404);
  });

  it("keeps resources without cascade and does not finalize when a paid plan may be owed", async () => {
    await install(partner);
    const provisioned = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body: provisionBody({ billingPlanId: "pro" }),
    });
    const resource = await readBody(provisioned, ProvisionResourceResponse);
    const response = await partner.call("DELETE", "/v1/installations/icfg_1", { auth: "system" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finalized: false });
    expect(await partner.store.getResource("icfg_1", resource.id)).toMatchObject({
      status: "uninstalled",
      deletedAt: null,
    });
    expect(await partner.kv.authorize(resource.id, kvToken(resource))).toBe(true);
  });

  it("answers a repeated delete the same way", async () => {
    await install(partner);
    const first = await partner.call("DELETE", "/v1/installations/icfg_1", { body: {} });
    const second = await partner.call("DELETE", "/v1/installations/icfg_1", { body: {} });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(await first.json());
  });

  it("answers 404 for an installation never seen", async () => {
    const response = await partner.call("DELETE", "/v1/installations/icfg_1", { auth: "system" });
    expect(response.status).toBe(404);
  });
});
