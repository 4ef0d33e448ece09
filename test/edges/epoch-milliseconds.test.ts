/**
 * Every number of a Partner API or webhook body that lands in a bigint column: what JSON can
 * carry gives a 4xx naming the field or is stored, on both engines; never a 500.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { CreateTransferResponse } from "../../packages/partnerkit/src/protocol/transfers.ts";
import { readBody, readError } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
beforeEach(async () => {
  partner = await createTestPartner();
  await install(partner, "icfg_1");
});
afterEach(() => partner.close());

const HOUR = 60 * 60_000;
const soon = () => Date.now() + HOUR;

/** Sent as raw JSON text, so values such as 1e400 reach the server as written. */
const refused = ["1e300", "-1e300", "9223372036854775808", "9.3e18", String(8.64e15 + 1)];

async function provisionResource(): Promise<string> {
  const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody(),
  });
  return (await readBody(response, ProvisionResourceResponse)).id;
}

function createTransfer(resourceId: string, expiresAt: string) {
  return partner.call("POST", "/v1/installations/icfg_1/resource-transfer-requests", {
    auth: "system",
    installationId: "icfg_1",
    body: `{"resourceIds":[${JSON.stringify(resourceId)}],"expiresAt":${expiresAt}}`,
  });
}

let sequence = 0;
function deliverWebhook(createdAt: string) {
  sequence += 1;
  const id = `evt_ms_${sequence}_${Date.now()}`;
  const body = `{"id":"${id}","type":"something.new","createdAt":${createdAt},"region":null,"payload":{}}`;
  return {
    id,
    response: partner.app.request("/webhooks", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET),
      },
      body,
    }),
  };
}

describe("resource transfer expiresAt (spec §4.16, epoch ms)", () => {
  it("rounds a fraction of a millisecond and stores the claim", async () => {
    const resourceId = await provisionResource();
    const expiresAt = soon() + 0.6;
    const response = await createTransfer(resourceId, String(expiresAt));
    expect(response.status).toBe(200);
    const { providerClaimId } = await readBody(response, CreateTransferResponse);
    const stored = await partner.store.transfers.get(providerClaimId);
    expect(stored?.expiresAt).toBe(Math.round(expiresAt));
  });

  it.each(refused)("refuses %s with a 400 naming expiresAt", async (expiresAt) => {
    const resourceId = await provisionResource();
    const response = await createTransfer(resourceId, expiresAt);
    expect(response.status).toBe(400);
    expect((await readError(response)).fields?.map((field) => field.key)).toEqual(["expiresAt"]);
  });

  it("stores the latest date; the earliest is a past expiry, a 400", async () => {
    const latest = await createTransfer(await provisionResource(), String(8.64e15));
    expect(latest.status).toBe(200);
    const earliest = await createTransfer(await provisionResource(), String(-8.64e15));
    expect(earliest.status).toBe(400);
    expect((await readError(earliest)).fields?.map((field) => field.key)).toEqual(["expiresAt"]);
  });
});

describe("webhook createdAt (spec §6.1, epoch ms)", () => {
  it("rounds a fraction of a millisecond and stores the delivery", async () => {
    const createdAt = Date.now() + 0.5;
    const { id, response } = deliverWebhook(String(createdAt));
    expect((await response).status).toBe(200);
    const stored = await partner.store.getWebhookEvent(id);
    expect(stored?.createdAt).toBe(Math.round(createdAt));
  });

  it("stores the earliest and latest dates", async () => {
    for (const createdAt of [-8.64e15, 8.64e15]) {
      const { id, response } = deliverWebhook(String(createdAt));
      expect((await response).status).toBe(200);
      expect((await partner.store.getWebhookEvent(id))?.createdAt).toBe(createdAt);
    }
  });

  it.each(refused)("refuses %s with a 400 naming createdAt", async (createdAt) => {
    const { id, response } = deliverWebhook(createdAt);
    const answer = await response;
    expect(answer.status).toBe(400);
    expect((await readError(answer)).fields?.map((field) => field.key)).toEqual(["createdAt"]);
    expect(await partner.store.getWebhookEvent(id)).toBeUndefined();
  });
});
