import { randomBytes } from "node:crypto";
import { createEmulator, type Emulator } from "../emulator/emulator.ts";
import { describeProducts } from "../emulator/integration-products.ts";
import { createLogger } from "../logger.ts";
import {
  createPartnerkit,
  type IntegrationSource,
  type Partnerkit,
  type PartnerkitInternals,
} from "../runtime.ts";
import { SecretBox } from "../store/secret-box.ts";

// What a test most often needs from the emulator, without a second import.
export type { EmulatedDeployment, EmulatedResource } from "../emulator/index.ts";
export { PartnerCallError } from "../emulator/partner-client.ts";

export interface TestMarketplaceOptions {
  integration: IntegrationSource;
  /** Run queued jobs as they come (default), or only when the test calls `drain()`. */
  startJobs?: boolean;
  /** Default: a fresh in-memory SQLite database. */
  databaseUrl?: string;
  /** pino level of the server's logs; `LOG_LEVEL`, else silent. */
  logLevel?: string;
}

export interface TestMarketplace {
  /** Vercel's side: `emulator.partner.install()`, `.provision(…)`, `emulator.deployments.deploy(…)`, `emulator.calls()`. */
  emulator: Emulator;
  /** Your server, reached by the emulator without a socket. */
  partnerkit: Partnerkit;
  internals: PartnerkitInternals;
  /** Runs every queued job now (webhooks, action runs, billing) and returns how many ran. */
  drain(): Promise<number>;
  close(): Promise<void>;
}

const MARKETPLACE_URL = "http://marketplace.test";
const PARTNER_URL = "http://partner.test";
const CLIENT_ID = "oac_partnerkit_test";

/**
 * Your integration and the Marketplace emulator wired to each other in one process: the server
 * trusts only the emulator's signing keys, calls its Vercel API, and receives its signed
 * requests and webhooks, exactly as in production but without sockets.
 */
export async function createTestMarketplace(
  options: TestMarketplaceOptions,
): Promise<TestMarketplace> {
  const clientSecret = randomBytes(24).toString("base64url");
  let emulator: Emulator | undefined;
  let keySet: ReturnType<Emulator["issuer"]["localKeySet"]> | undefined;
  const started = () => {
    if (!emulator) throw new Error("The emulator is not created yet");
    return emulator;
  };
  const partnerkit = createPartnerkit({
    integration: options.integration,
    databaseUrl: options.databaseUrl ?? ":memory:",
    clientIds: [CLIENT_ID],
    clientSecret,
    encryptionKey: SecretBox.generateKey(),
    oidcIssuer: MARKETPLACE_URL,
    vercelApiUrl: MARKETPLACE_URL,
    publicUrl: PARTNER_URL,
    logger: createLogger(options.logLevel ?? process.env.LOG_LEVEL ?? "silent"),
    keys: (header, token) => {
      keySet ??= started().issuer.localKeySet();
      return keySet(header, token);
    },
    vercel: {
      fetch: (input, init) => Promise.resolve(started().fetch(new Request(input, init))),
      retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 500 },
    },
  });
  const internals = await partnerkit.ready();
  emulator = await createEmulator({
    url: MARKETPLACE_URL,
    partnerUrl: PARTNER_URL,
    clientId: CLIENT_ID,
    clientSecret,
    partnerFetch: (request) => partnerkit.fetch(request),
    products: await describeProducts(internals.integration),
  });
  if (options.startJobs ?? true) await partnerkit.start();
  return {
    emulator,
    partnerkit,
    internals,
    drain: () => internals.jobs.drain(),
    close: () => partnerkit.stop(),
  };
}
