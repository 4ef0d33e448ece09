import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { CallRecorder } from "../../packages/partnerkit/src/emulator/recorder.ts";
import { WebhookSender } from "../../packages/partnerkit/src/emulator/webhook-sender.ts";
import { WebhookEnvelope } from "../../packages/partnerkit/src/protocol/webhooks.ts";

/** A receiver that verifies like a partner and answers from a script of statuses. */
function receiver(statuses: number[]) {
  const received: { verified: boolean; envelope: WebhookEnvelope }[] = [];
  const fetch = async (request: Request) => {
    const raw = await request.text();
    const verified = verifyWebhookSignature(
      raw,
      request.headers.get("x-vercel-signature"),
      "secret",
    ).ok;
    received.push({ verified, envelope: WebhookEnvelope.parse(JSON.parse(raw)) });
    return new Response(null, { status: statuses.shift() ?? 200 });
  };
  return { received, fetch };
}

const fastRetry = { baseDelayMs: 1, maxDelayMs: 2 };

/** A sender signing with "secret" for the partner at `fetch`. */
const senderTo = (fetch: (request: Request) => Promise<Response>, recorder = new CallRecorder()) =>
  new WebhookSender({ url: "http://partner.test/webhooks", secret: "secret", recorder, fetch });

describe("WebhookSender", () => {
  it("delivers a signed envelope the partner can verify", async () => {
    const target = receiver([200]);
    const recorder = new CallRecorder();
    const sender = senderTo(target.fetch, recorder);
    const envelope = sender.envelope("marketplace.member.changed", {
      installationId: "icfg_1",
      memberId: "u",
      role: "USER",
    });
    const result = await sender.deliver(envelope);
    expect(result).toMatchObject({ delivered: true, attempts: [{ status: 200 }] });
    expect(target.received).toEqual([{ verified: true, envelope }]);
    expect(recorder.list({ installationId: "icfg_1", direction: "webhook" })).toHaveLength(1);
  });

  it("delivers several events in reverse or shuffled order on request", async () => {
    const target = receiver([]);
    const sender = senderTo(target.fetch);
    const types = [
      "marketplace.invoice.created",
      "marketplace.invoice.paid",
      "marketplace.invoice.refunded",
    ];
    const envelopes = types.map((type) => sender.envelope(type, { installationId: "icfg_1" }));
    const results = await sender.deliverAll(envelopes, { order: "reversed" });
    expect(results.every((result) => result.delivered)).toBe(true);
    expect(target.received.map((delivery) => delivery.envelope.type)).toEqual([...types].reverse());
    expect(target.received.every((delivery) => delivery.verified)).toBe(true);

    target.received.length = 0;
    await sender.deliverAll(envelopes, { order: "shuffled" });
    expect(target.received.map((delivery) => delivery.envelope.id).sort()).toEqual(
      envelopes.map((envelope) => envelope.id).sort(),
    );
  });

  it("retries non-2xx answers and network failures with backoff, then gives up", async () => {
    const target = receiver([500, 503, 200]);
    const sender = senderTo(target.fetch);
    const ok = await sender.deliver(sender.envelope("x", {}), { retry: fastRetry });
    expect(ok.attempts.map((attempt) => attempt.status)).toEqual([500, 503, 200]);

    const failing = senderTo(() => Promise.reject(new Error("connection refused")));
    const lost = await failing.deliver(failing.envelope("x", {}), {
      retry: { ...fastRetry, attempts: 3 },
    });
    expect(lost.delivered).toBe(false);
    expect(lost.attempts).toHaveLength(3);
    expect(lost.attempts[0]?.error).toContain("connection refused");
  });

  it("duplicates a delivery with the same id on request", async () => {
    const target = receiver([]);
    const sender = senderTo(target.fetch);
    await sender.deliver(sender.envelope("x", {}), { duplicates: 2 });
    expect(target.received).toHaveLength(3);
    expect(new Set(target.received.map((delivery) => delivery.envelope.id)).size).toBe(1);
  });

  it("tampers on request: a foreign signature, or a body changed after signing", async () => {
    for (const tamper of ["signature", "body"] as const) {
      const target = receiver([401, 401]);
      const sender = senderTo(target.fetch);
      const result = await sender.deliver(sender.envelope("x", {}), { tamper });
      // Sent once, as a forger would; the refusal is the outcome a correct partner earns.
      expect(result).toMatchObject({
        delivered: false,
        verdict: "rejected as expected",
        passed: true,
        attempts: [{ status: 401 }],
      });
      expect(target.received).toHaveLength(1);
      expect(target.received[0]?.verified).toBe(false);
    }
  });

  it("fails a tamper test that the partner accepts, or answers with a 5xx", async () => {
    for (const [status, verdict] of [
      [200, "tampered delivery accepted"],
      [500, "tampered delivery not refused cleanly"],
    ] as const) {
      const sender = senderTo(receiver([status]).fetch);
      const result = await sender.deliver(sender.envelope("x", {}), { tamper: "body" });
      expect(result).toMatchObject({ verdict, passed: false });
    }
  });
});
