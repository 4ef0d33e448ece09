import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  signWebhookPayload,
  verifyWebhookSignature,
} from "../../packages/partnerkit/src/auth/webhook-signature.ts";

const body = JSON.stringify({
  id: "evt_1",
  type: "marketplace.invoice.paid",
  createdAt: 1,
  payload: {},
});

describe("webhook signatures (spec §6.2)", () => {
  it("signs as lowercase hex HMAC-SHA1 of the raw body with the client secret", () => {
    expect(signWebhookPayload(body, "secret")).toBe(
      createHmac("sha1", "secret").update(body).digest("hex"),
    );
  });

  it("accepts the right signature, also in upper case", () => {
    const signature = signWebhookPayload(body, "secret");
    expect(verifyWebhookSignature(body, signature, "secret")).toEqual({ ok: true });
    expect(verifyWebhookSignature(Buffer.from(body), signature.toUpperCase(), "secret")).toEqual({
      ok: true,
    });
  });

  it("accepts any secret of a rotation list", () => {
    const signature = signWebhookPayload(body, "old-secret");
    expect(verifyWebhookSignature(body, signature, ["new-secret", "old-secret"])).toEqual({
      ok: true,
    });
  });

  it.each([
    ["missing", undefined, "signature_missing"],
    ["empty", "", "signature_missing"],
    ["not hex", "zz".repeat(20), "signature_malformed"],
    ["too short", "ab12", "signature_malformed"],
    ["sha256 length", "ab".repeat(32), "signature_malformed"],
    ["another secret's", signWebhookPayload(body, "other"), "signature_mismatch"],
  ])("refuses a %s signature", (_name, signature, reason) => {
    expect(verifyWebhookSignature(body, signature, "secret")).toEqual({ ok: false, reason });
  });

  it("refuses a body changed after signing, even by one byte of whitespace", () => {
    const signature = signWebhookPayload(body, "secret");
    expect(verifyWebhookSignature(`${body} `, signature, "secret")).toEqual({
      ok: false,
      reason: "signature_mismatch",
    });
  });

  it("refuses everything when no secret is configured", () => {
    expect(verifyWebhookSignature(body, signWebhookPayload(body, ""), [])).toEqual({
      ok: false,
      reason: "no_secret",
    });
  });
});
