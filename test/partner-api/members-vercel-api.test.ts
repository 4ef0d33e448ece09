import { afterEach, expect, it } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import type { VercelClient } from "../../packages/partnerkit/src/vercel/vercel-client.ts";
import {
  createTestPartner,
  install,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

let partner: TestPartner;
afterEach(() => partner.close());

/** A member change for icfg_1 whose handler hands over `ctx.vercel`. */
async function vercelFromHandler(): Promise<VercelClient> {
  let client: VercelClient | undefined;
  partner.integration.on("marketplace.member.changed", async (ctx) => {
    client = ctx.vercel;
  });
  const body = JSON.stringify({
    id: "evt_member_api",
    type: "marketplace.member.changed",
    createdAt: Date.now(),
    region: null,
    payload: { installationId: "icfg_1", memberId: "user_1", role: "ADMIN" },
  });
  await partner.app.request("/webhooks", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET),
    },
    body,
  });
  await partner.jobs.drain();
  if (!client) throw new Error("the handler got no ctx.vercel");
  return client;
}

it("reads Get Account Information and Get Member with the installation's token", async () => {
  const vercel = await emulatedVercelApi();
  partner = await createTestPartner({
    services: { vercel: { baseUrl: "https://api.vercel.test", fetch: vercel.fetch } },
  });
  await install(partner);
  const client = await vercelFromHandler();

  expect(await client.getAccountInfo()).toEqual({
    name: "Emulator Team",
    url: "https://vercel.com/emulator-team",
    contact: { email: "owner@emulator.test", name: "Emulator Owner" },
  });
  // The installing user (the emulator's user_1) is an ADMIN member.
  expect(await client.getMember("user_1")).toEqual({ id: "user_1", role: "ADMIN" });
  await expect(client.getMember("user_nobody")).rejects.toMatchObject({ status: 404 });

  expect(vercel.calls()).toEqual([
    { method: "GET", path: "/v1/installations/icfg_1/account", status: 200 },
    { method: "GET", path: "/v1/installations/icfg_1/member/user_1", status: 200 },
    { method: "GET", path: "/v1/installations/icfg_1/member/user_nobody", status: 404 },
  ]);
});

it("fails, unretried, when Vercel does not know the installation's token", async () => {
  const vercel = await emulatedVercelApi();
  const emulated = vercel.state.installations.get("icfg_1");
  if (!emulated) throw new Error("icfg_1 is not in the emulator");
  emulated.accessToken = "another_token";
  partner = await createTestPartner({
    services: { vercel: { baseUrl: "https://api.vercel.test", fetch: vercel.fetch } },
  });
  await install(partner);
  const client = await vercelFromHandler();

  await expect(client.getAccountInfo()).rejects.toMatchObject({ status: 401 });
  expect(vercel.calls()).toEqual([
    { method: "GET", path: "/v1/installations/icfg_1/account", status: 401 },
  ]);
});
