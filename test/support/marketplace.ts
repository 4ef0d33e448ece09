import { AcmeKvMetadata } from "../../examples/acme-kv/src/integration.ts";
import {
  createEmulator,
  type Emulator,
  type EmulatorOptions,
} from "../../packages/partnerkit/src/emulator/emulator.ts";
import { metadataDialect } from "../../packages/partnerkit/src/product/metadata-dialect.ts";
import { TEST_CLIENT_ID, TEST_ISSUER } from "./issuer.ts";
import {
  createTestPartner,
  PUBLIC_URL,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
  type TestPartnerOptions,
} from "./partner-app.ts";

export interface Marketplace {
  emulator: Emulator;
  partner: TestPartner;
  close(): Promise<void>;
}

/**
 * The emulator and a test partner wired to each other in-process, as `partnerkit dev` wires them
 * over sockets: the partner trusts the emulator's keys and calls its Vercel API, the emulator
 * drives the partner's Partner API and webhooks, and the partner's jobs run on their own (unless
 * `startJobs: false`).
 */
export async function emulatedMarketplace(
  options: Omit<TestPartnerOptions, "keys"> & {
    actions?: string[];
    emulator?: Partial<EmulatorOptions>;
    /** Run the partner's jobs as they come (default), or only when the test drains them. */
    startJobs?: boolean;
  } = {},
): Promise<Marketplace> {
  let partner: TestPartner | undefined;
  const emulator = await createEmulator({
    url: TEST_ISSUER,
    partnerUrl: PUBLIC_URL,
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_WEBHOOK_SECRET,
    partnerFetch: async (request) =>
      partner ? partner.app.fetch(request) : new Response(null, { status: 503 }),
    products: [
      {
        id: "acme-kv",
        metadataSchema: metadataDialect("acme-kv", AcmeKvMetadata),
        actions: (options.actions ?? ["branch"]).map((slug) => ({ slug })),
        repl: true,
      },
    ],
    ...options.emulator,
  });
  partner = await createTestPartner({
    ...options,
    keys: emulator.issuer.localKeySet(),
    services: {
      ...options.services,
      vercel: {
        baseUrl: TEST_ISSUER,
        fetch: (input, init) => Promise.resolve(emulator.fetch(new Request(input, init))),
        retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 500 },
        ...options.services?.vercel,
      },
    },
  });
  if (options.startJobs ?? true) partner.jobs.start();
  const running = partner;
  return { emulator, partner: running, close: () => running.close() };
}

/** Installs through the emulator and provisions a free Acme KV resource, `main-db` in iad1. */
export async function installWithKv(emulator: Emulator) {
  const installation = await emulator.partner.install();
  const resource = await emulator.partner.provision(installation.id, {
    productId: "acme-kv",
    name: "main-db",
    metadata: { region: "iad1" },
    billingPlanId: "free",
  });
  return { installation, resource };
}
