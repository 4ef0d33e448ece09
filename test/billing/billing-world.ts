import type { InvoiceTest } from "../../src/core/billing/invoice-drafts.ts";
import { createEmulator, type Emulator } from "../../src/emulator/emulator.ts";
import type { EmulatedResource } from "../../src/emulator/state.ts";
import { TEST_CLIENT_ID, TEST_ISSUER } from "../support/issuer.ts";
import {
  createTestPartner,
  PUBLIC_URL,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

/**
 * The Acme KV partner and the emulator wired to each other in-process: the emulator calls the
 * Partner API and sends signed webhooks, the partner calls the emulator's Vercel API. The billing
 * and store clock is ours to move; jobs run when the test drains them.
 */
const JOB_RETRY_MS = 300;

export async function billingWorld(options: { start: string; invoiceTest?: InvoiceTest }) {
  const clock = { now: new Date(options.start) };
  let partner: TestPartner | undefined;
  const emulator: Emulator = await createEmulator({
    url: TEST_ISSUER,
    partnerUrl: PUBLIC_URL,
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_WEBHOOK_SECRET,
    partnerFetch: async (request) =>
      partner ? partner.app.fetch(request) : new Response(null, { status: 503 }),
  });
  partner = await createTestPartner({
    keys: emulator.issuer.localKeySet(),
    // A failed job is due again only after this, so a test decides when the retry happens.
    jobBackoff: { baseMs: JOB_RETRY_MS, maxMs: JOB_RETRY_MS },
    services: {
      vercel: {
        baseUrl: TEST_ISSUER,
        fetch: async (input, init) => emulator.app.fetch(new Request(input, init)),
        retry: { initialIntervalMs: 1, maxIntervalMs: 2, maxElapsedMs: 30 },
      },
      billing: { now: () => clock.now, invoiceTest: options.invoiceTest },
    },
  });
  const installation = await emulator.partner.install();
  const self = partner;

  return {
    emulator,
    partner: self,
    installation,
    clock,
    setTime(iso: string) {
      clock.now = new Date(iso);
    },
    provision(billingPlanId: string, name = billingPlanId): Promise<EmulatedResource> {
      return emulator.partner.provision(installation.id, {
        productId: "acme-kv",
        name,
        metadata: { region: "iad1" },
        billingPlanId,
      });
    },
    /** A request to a resource's data plane with its own credentials. */
    kv(resource: EmulatedResource, key: string, init: RequestInit = {}) {
      const secret = (name: string) => resource.secrets.find((s) => s.name === name)?.value ?? "";
      const url = `${secret("KV_REST_API_URL")}/${key}`.replace(PUBLIC_URL, "");
      return self.app.request(url, {
        ...init,
        headers: { authorization: `Bearer ${secret("KV_REST_API_TOKEN")}` },
      });
    },
    /** One scheduler tick at the current time, then every job it made (and their retries). */
    async tick(intervalSeconds = 3600) {
      await self.services.billing.schedule(intervalSeconds);
      await self.jobs.drain();
    },
    /** Lets failed jobs become due again, then runs them: the job-level retry. */
    async retryFailedJobs() {
      await new Promise((resolve) => setTimeout(resolve, JOB_RETRY_MS + 10));
      await self.jobs.drain();
    },
    /** What the partner sent to Vercel's API, in order, with its answer. */
    calls(pathPattern: RegExp) {
      return emulator
        .calls({ direction: "partner→vercel" })
        .filter((call) => pathPattern.test(new URL(call.url).pathname))
        .map((call) => ({ method: call.method, status: call.status, body: call.requestBody }));
    },
    invoices() {
      return [...emulator.vercelApi.store.invoices.values()].filter(
        (stored) => stored.installationId === installation.id,
      );
    },
    close: () => self.close(),
  };
}

export type BillingWorld = Awaited<ReturnType<typeof billingWorld>>;
