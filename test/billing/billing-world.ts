import type { InvoiceTest } from "../../packages/partnerkit/src/core/billing/invoice-drafts.ts";
import type { EmulatedResource } from "../../packages/partnerkit/src/emulator/state.ts";
import { emulatedMarketplace } from "../support/marketplace.ts";
import { PUBLIC_URL, type TestPartnerOptions } from "../support/partner-app.ts";

/**
 * The Acme KV partner and the emulator wired to each other in-process: the emulator calls the
 * Partner API and sends signed webhooks, the partner calls the emulator's Vercel API. The billing
 * and store clock is ours to move; jobs run when the test drains them.
 */
const JOB_RETRY_MS = 300;

export async function billingWorld(options: {
  start: string;
  invoiceTest?: InvoiceTest;
  /** Another integration than the Acme KV demo, e.g. with more plans. */
  integration?: TestPartnerOptions["integration"];
}) {
  const clock = { now: new Date(options.start) };
  const { emulator, partner } = await emulatedMarketplace({
    startJobs: false,
    integration: options.integration,
    // A failed job is due again only after this, so a test decides when the retry happens.
    jobBackoff: { baseMs: JOB_RETRY_MS, maxMs: JOB_RETRY_MS },
    services: {
      vercel: { retry: { initialIntervalMs: 1, maxIntervalMs: 2, maxElapsedMs: 30 } },
      billing: { now: () => clock.now, invoiceTest: options.invoiceTest },
    },
  });
  const installation = await emulator.partner.install();

  return {
    emulator,
    partner,
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
      return partner.app.request(url, {
        ...init,
        headers: { authorization: `Bearer ${secret("KV_REST_API_TOKEN")}` },
      });
    },
    /** One scheduler tick at the current time, then every job it made (and their retries). */
    async tick(intervalSeconds = 3600) {
      await partner.services.billing.schedule(intervalSeconds);
      await partner.jobs.drain();
    },
    /** Lets failed jobs become due again, then runs them: the job-level retry. */
    async retryFailedJobs() {
      await new Promise((resolve) => setTimeout(resolve, JOB_RETRY_MS + 10));
      await partner.jobs.drain();
    },
    /** What the partner sent to Vercel's API, in order, with its answer. */
    calls(pathPattern: RegExp) {
      return emulator
        .calls({ direction: "partner→vercel" })
        .filter((call) => pathPattern.test(new URL(call.url).pathname))
        .map((call) => ({ method: call.method, status: call.status, body: call.requestBody }));
    },
    /** Accepted Submit Invoice and Finalize calls, in the order Vercel got them. */
    closingCalls() {
      return this.calls(/\/billing\/(invoices|finalize)$/)
        .filter((call) => call.status < 300)
        .map((call) => (call.body === undefined ? "finalize" : "invoice"));
    },
    invoices() {
      return [...emulator.vercelApi.store.invoices.values()].filter(
        (stored) => stored.installationId === installation.id,
      );
    },
    close: () => partner.close(),
  };
}

export type BillingWorld = Awaited<ReturnType<typeof billingWorld>>;
