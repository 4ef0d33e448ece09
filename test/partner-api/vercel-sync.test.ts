import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import type { HookContext } from "../../packages/partnerkit/src/core/define-integration.ts";
import { PartnerError } from "../../packages/partnerkit/src/core/partner-error.ts";
import { InstallationResponse } from "../../packages/partnerkit/src/protocol/installations.ts";
import {
  ProvisionResourceResponse,
  Resource,
} from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

let partner: TestPartner;
let vercel: Awaited<ReturnType<typeof emulatedVercelApi>>;
let ctx: HookContext;
let resource: ProvisionResourceResponse;
const log = pino({ level: "silent" });

beforeEach(async () => {
  vercel = await emulatedVercelApi();
  partner = await createTestPartner({
    services: {
      vercel: {
        baseUrl: "https://api.vercel.test",
        fetch: vercel.fetch,
        retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 50 },
      },
      client: { id: "oac_test_integration", secret: TEST_WEBHOOK_SECRET },
    },
  });
  await install(partner);
  resource = await readBody(
    await partner.call("POST", "/v1/installations/icfg_1/resources", { body: provisionBody() }),
    ProvisionResourceResponse,
  );
  vercel.knowResource(resource);
  ctx = await partner.services.contextFor("icfg_1", log);
});
afterEach(() => partner.close());

const calls = () => vercel.calls().map((call) => `${call.method} ${call.path} ${call.status}`);

async function partnerResource(): Promise<Resource> {
  const response = await partner.call("GET", `/v1/installations/icfg_1/resources/${resource.id}`, {
    auth: "system",
  });
  return readBody(response, Resource);
}

async function partnerInstallation(): Promise<InstallationResponse> {
  return readBody(
    await partner.call("GET", "/v1/installations/icfg_1", { auth: "system" }),
    InstallationResponse,
  );
}

describe("provider→Vercel sync (spec §11.2)", () => {
  it("resourceUpdated stores the change and sends Create Event resource.updated", async () => {
    const notification = { level: "warn" as const, title: "Storage almost full" };
    await ctx.sync.resourceUpdated(resource.id, {
      name: "renamed",
      status: "suspended",
      notification,
    });
    expect(calls()).toEqual(["POST /v1/installations/icfg_1/events 201"]);
    expect(vercel.events().map((received) => received.event)).toEqual([
      { type: "resource.updated", resourceId: resource.id },
    ]);
    // What Vercel reads next through Get Resource (spec §5.5).
    expect(await partnerResource()).toMatchObject({
      name: "renamed",
      status: "suspended",
      notification,
    });
  });

  it("updateResourceSecrets merges partial secrets here and at Vercel (spec §5.11)", async () => {
    await ctx.sync.updateResourceSecrets(
      resource.id,
      [{ name: "KV_REST_API_TOKEN", value: "akv_replaced" }],
      { partial: true },
    );
    expect(calls()).toEqual([`PUT /v1/installations/icfg_1/resources/${resource.id}/secrets 201`]);
    const url = resource.secrets.find((secret) => secret.name === "KV_REST_API_URL");
    const expected = [url, { name: "KV_REST_API_TOKEN", value: "akv_replaced" }];
    expect(vercel.secrets(resource.id)).toEqual(expected);
    expect(await partner.store.resourceSecrets(resource.id)).toEqual(expected);
  });

  it("refuses to sync a deleted resource without calling Vercel", async () => {
    await partner.call("DELETE", `/v1/installations/icfg_1/resources/${resource.id}`);
    await expect(ctx.sync.resourceUpdated(resource.id)).rejects.toBeInstanceOf(PartnerError);
    expect(calls()).toEqual([]);
  });

  it("setNotification updates the installation at Vercel; null clears it through installation.updated", async () => {
    const notification = {
      level: "info" as const,
      title: "Maintenance tonight",
      href: "https://acme.test",
    };
    await ctx.sync.setNotification(notification);
    expect(calls()).toEqual(["PATCH /v1/installations/icfg_1 204"]);
    expect(vercel.installationDetails()?.notification).toEqual(notification);
    expect((await partnerInstallation()).notification).toEqual(notification);

    await ctx.sync.setNotification(null);
    expect(calls().at(-1)).toBe("POST /v1/installations/icfg_1/events 201");
    expect(vercel.events().at(-1)?.event).toEqual({ type: "installation.updated" });
    expect((await partnerInstallation()).notification).toBeUndefined();
  });

  it("webhook handlers get ctx.sync too: a member change can notify the installation", async () => {
    partner.integration.on("marketplace.member.changed", async (webhook, payload) => {
      await webhook.sync?.setNotification({ level: "info", title: `Welcome ${payload.memberId}` });
    });
    const body = JSON.stringify({
      id: "evt_member_1",
      type: "marketplace.member.changed",
      createdAt: Date.now(),
      payload: { installationId: "icfg_1", memberId: "user_2", role: "USER" },
    });
    const delivered = await partner.app.request("/webhooks", {
      method: "POST",
      headers: { "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET) },
      body,
    });
    expect(delivered.status).toBe(200);
    await partner.jobs.drain();
    expect(calls()).toEqual(["PATCH /v1/installations/icfg_1 204"]);
    expect((await partnerInstallation()).notification?.title).toBe("Welcome user_2");
  });

  it("changePlan sends Update Installation with the plan, then installation.updated", async () => {
    await ctx.sync.changePlan("pro");
    expect(calls()).toEqual([
      "PATCH /v1/installations/icfg_1 204",
      "POST /v1/installations/icfg_1/events 201",
    ]);
    expect(vercel.installationDetails()?.billingPlan).toMatchObject({
      id: "pro",
      type: "subscription",
    });
    expect(vercel.events().at(-1)?.event).toEqual({
      type: "installation.updated",
      billingPlanId: "pro",
    });
    expect((await partnerInstallation()).billingPlan?.id).toBe("pro");

    await expect(ctx.sync.changePlan("gold")).rejects.toMatchObject({ status: 400 });
    expect(calls()).toHaveLength(2);
  });

  it("importResource stores a linked resource and imports it into Vercel (spec §5.8)", async () => {
    const imported = await ctx.sync.importResource({
      id: "res_imported",
      productId: "acme-kv",
      name: "legacy cache",
      metadata: { region: "fra1" },
      billingPlanId: "free",
      secrets: [{ name: "KV_REST_API_TOKEN", value: "akv_legacy" }],
    });
    expect(imported).toMatchObject({
      id: "res_imported",
      status: "ready",
      installationId: "icfg_1",
    });
    expect(calls()).toEqual(["PUT /v1/installations/icfg_1/resources/res_imported 200"]);
    expect(vercel.state.resources.get("res_imported")).toMatchObject({
      name: "legacy cache",
      metadata: { region: "fra1" },
      billingPlan: { id: "free" },
      secrets: [{ name: "KV_REST_API_TOKEN", value: "akv_legacy" }],
    });
    const got = await partner.call("GET", "/v1/installations/icfg_1/resources/res_imported", {
      auth: "system",
    });
    expect(got.status).toBe(200);

    await expect(
      ctx.sync.importResource({
        productId: "acme-kv",
        name: "bad",
        metadata: { region: "mars" },
        billingPlanId: "free",
        secrets: [],
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(calls()).toHaveLength(1);
  });
});

describe("installation credential rotation (spec §5.4)", () => {
  it("stores the new token, revokes the old one, and keeps calling Vercel with the new one", async () => {
    const before = await partner.store.installationCredentials("icfg_1");
    const result = await partner.services.rotateInstallationCredential("icfg_1", log);
    expect(result).toEqual({ revokedPrevious: true });
    expect(calls()).toEqual([
      "POST /v1/installations/icfg_1/credentials/rotate 200",
      "POST /v1/installations/icfg_1/credentials/revoke 200",
    ]);
    const after = await partner.store.installationCredentials("icfg_1");
    expect(after?.accessToken).not.toBe(before?.accessToken);
    expect(after?.tokenType).toBe("oauth2-token");

    // The old token is dead at Vercel; the partner's next call uses the new one.
    const old = await vercel.fetch("https://api.vercel.test/v1/installations/icfg_1/events", {
      method: "POST",
      headers: {
        authorization: `Bearer ${before?.accessToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ event: { type: "installation.updated" } }),
    });
    expect(old.status).toBe(401);
    const fresh = await partner.services.contextFor("icfg_1", log);
    await fresh.sync.resourceUpdated(resource.id);
    expect(calls().at(-1)).toBe("POST /v1/installations/icfg_1/events 201");
  });

  it("keeps the current token when Vercel refuses the client secret", async () => {
    const before = await partner.store.installationCredentials("icfg_1");
    const wrong = await createTestPartner({
      services: {
        vercel: { baseUrl: "https://api.vercel.test", fetch: vercel.fetch },
        client: { secret: "not-the-secret" },
      },
    });
    try {
      await install(wrong);
      await expect(wrong.services.rotateInstallationCredential("icfg_1", log)).rejects.toThrow(
        /rotate installation credential failed/,
      );
      expect((await wrong.store.installationCredentials("icfg_1"))?.accessToken).toBe(
        before?.accessToken,
      );
    } finally {
      await wrong.close();
    }
  });
});
