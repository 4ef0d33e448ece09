/**
 * A process stopping while one of its jobs waits on Vercel: the call is cut when the job's grace
 * runs out and the job goes back to the queue for another instance, instead of the call going on
 * behind the queue's back (and reaching Vercel a second time when the job runs again).
 */
import { afterEach, describe, expect, it } from "vitest";
import { BILLING_JOBS } from "../../packages/partnerkit/src/core/billing/billing-service.ts";
import { createTestPartner, install, type TestPartner } from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

let partner: TestPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The in-process emulator, given up on when the request's signal fires, as a socket would be. */
function abortable(fetch: Fetch, sent: string[]): Fetch {
  return (input, init) => {
    sent.push(new URL(input instanceof Request ? input.url : input).pathname);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const answer = fetch(input, init);
    if (!signal) return answer;
    return Promise.race([
      answer,
      new Promise<Response>((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
    ]);
  };
}

describe("stopping a job runner during a call to Vercel", () => {
  it("cuts the call after the grace and hands the job back untouched", async () => {
    const vercel = await emulatedVercelApi();
    const sent: string[] = [];
    partner = await createTestPartner({
      services: {
        vercel: {
          baseUrl: "https://api.vercel.test",
          fetch: abortable(vercel.fetch, sent),
          timeoutMs: 20_000,
        },
      },
    });
    await install(partner);
    vercel.faults.add({ path: "/billing/finalize", delayMs: 1_000 });
    await partner.store.enqueueJob({
      kind: BILLING_JOBS.finalize,
      payload: { installationId: "icfg_1" },
    });
    partner.jobs.start();
    const deadline = Date.now() + 5_000;
    while (!sent.some((path) => path.endsWith("/billing/finalize")) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sent.filter((path) => path.endsWith("/billing/finalize"))).toHaveLength(1);

    const stopping = Date.now();
    await partner.jobs.stop({ graceMs: 100 });
    expect(Date.now() - stopping).toBeLessThan(2_000);
    const [job] = await partner.store.listJobs();
    expect(job).toMatchObject({ kind: BILLING_JOBS.finalize, status: "queued", attempts: 0 });
    // Past the delay: a call left running would have reached Vercel behind the queue's back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(sent.filter((path) => path.endsWith("/billing/finalize"))).toHaveLength(1);
    expect(vercel.calls().filter((call) => call.path.endsWith("/billing/finalize"))).toEqual([
      expect.objectContaining({ status: 499 }),
    ]);
  });
});
