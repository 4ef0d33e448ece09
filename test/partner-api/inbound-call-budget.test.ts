/**
 * A Partner API request waits on its calls to Vercel for a bounded time in all: a call that Vercel
 * asks to retry later than the request can wait fails at once, and the request is answered
 * instead of outliving Vercel's patience.
 */
import { afterEach, describe, expect, it } from "vitest";
import { emulatedMarketplace, type Marketplace } from "../support/marketplace.ts";

let world: Marketplace | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("calls to Vercel made while answering a Partner API request", () => {
  it("give up a Retry-After longer than the request's budget, and the request is answered", async () => {
    world = await emulatedMarketplace({
      startJobs: false,
      // As a job would, the client may wait up to a minute for a retry Vercel asks for.
      services: { vercel: { retry: { maxElapsedMs: 60_000, maxRetryAfterMs: 60_000 } } },
    });
    const { emulator } = world;
    const installation = await emulator.partner.install();
    const invoice = emulator.vercelApi.store.issueInvoice(installation.id, [], "paid");
    emulator.vercelApi.faults.add({
      method: "GET",
      path: `/invoices/${invoice.invoiceId}`,
      status: 429,
      retryAfterSeconds: 30,
    });

    const started = Date.now();
    const answer = await emulator.partner.provisionPurchase(installation.id, invoice.invoiceId);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const reads = emulator
      .calls({ direction: "partner→vercel" })
      .filter((call) => new URL(call.url).pathname.endsWith(`/invoices/${invoice.invoiceId}`));
    expect(reads.map((call) => call.status)).toEqual([429]);
  });
});
