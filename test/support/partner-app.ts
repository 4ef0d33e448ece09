import type { Hono } from "hono";
import type { JWTVerifyGetKey } from "jose";
import pino from "pino";
import { z } from "zod";
import { acmeKvDataPlane } from "../../examples/acme-kv/src/data-plane.ts";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import { KvStore } from "../../examples/acme-kv/src/kv-store.ts";
import { verifyVercelToken } from "../../packages/partnerkit/src/auth/verify-token.ts";
import {
  defineIntegration,
  defineProduct,
  type Integration,
  type ProductDefinition,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import {
  createServices,
  frameworkJobHandlers,
  type ServiceOptions,
  type Services,
} from "../../packages/partnerkit/src/core/services.ts";
import {
  createPartnerApp,
  type PartnerAppOptions,
} from "../../packages/partnerkit/src/http/app.ts";
import type { AppEnv } from "../../packages/partnerkit/src/http/env.ts";
import { webhookHandoff } from "../../packages/partnerkit/src/http/routes/webhooks.ts";
import type { BackoffPolicy } from "../../packages/partnerkit/src/jobs/backoff.ts";
import { JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { openTestDatabase } from "./database.ts";
import { TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "./issuer.ts";

export const TEST_ENCRYPTION_KEY = "a1".repeat(32);
export const PUBLIC_URL = "http://partner.test";
export const TEST_WEBHOOK_SECRET = "test-client-secret";

export interface TestPartner {
  app: Hono<AppEnv>;
  store: Store;
  database: Database;
  issuer: TestIssuer;
  kv: KvStore;
  jobs: JobRunner;
  services: Services;
  integration: Integration;
  /** Sends a request; `auth` picks a freshly signed token (default: an ADMIN user of icfg_1). */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  close(): Promise<void>;
}

export interface CallOptions {
  auth?: "user" | "viewer" | "system" | "none" | { token: string; header?: string };
  installationId?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestPartnerOptions {
  integration?: (kv: KvStore) => Integration;
  /** How services reach Vercel (an emulator's fetch) and action timings. */
  services?: ServiceOptions;
  /** Keys the partner trusts instead of the shared test issuer's, e.g. an emulator's. */
  keys?: JWTVerifyGetKey;
  app?: Partial<Pick<PartnerAppOptions, "bodyLimitBytes" | "idempotency">>;
  /** How long a failed job waits before it is due again; a few milliseconds by default. */
  jobBackoff?: BackoffPolicy;
}

// RSA key generation is slow; one issuer per test worker is enough.
let sharedIssuer: Promise<TestIssuer> | undefined;

/** The Partner API over a fresh database with the Acme KV demo, driven through `app.request`. */
export async function createTestPartner(options: TestPartnerOptions = {}): Promise<TestPartner> {
  const database = await openTestDatabase();
  await migrateStore(database);
  const kv = new KvStore(database);
  await kv.migrate();
  const store = createStore(
    database,
    SecretBox.fromEnv(TEST_ENCRYPTION_KEY),
    options.services?.billing?.now,
  );
  sharedIssuer ??= TestIssuer.create();
  const issuer = await sharedIssuer;
  const keys = options.keys ?? issuer.localKeySet();
  const integration = options.integration?.(kv) ?? acmeKvIntegration({ kv, publicUrl: PUBLIC_URL });
  const logger = pino({ level: "silent" });
  const services = createServices(integration, store, options.services);
  // Not started: tests run due jobs with `jobs.drain()` so every step is deterministic.
  const jobs = new JobRunner({
    store,
    log: logger,
    handlers: frameworkJobHandlers(services, logger),
    backoff: options.jobBackoff ?? { baseMs: 1, maxMs: 5 },
  });
  const app = createPartnerApp({
    integration,
    store,
    services,
    webhooks: {
      secrets: [TEST_WEBHOOK_SECRET],
      onEnqueued: () => jobs.kick(),
      // As `partnerkit start` wires it, so each engine's tests take the path it takes there.
      handoff: webhookHandoff(database.engine, jobs),
    },
    logger,
    verifyToken: (token, authHeader) =>
      verifyVercelToken(token, { keys, issuer: TEST_ISSUER, audience: TEST_CLIENT_ID, authHeader }),
    extraRoutes: acmeKvDataPlane(kv, services.billing.meter),
    ...options.app,
  });

  async function authHeaders(options: CallOptions): Promise<Record<string, string>> {
    const installationId = options.installationId ?? "icfg_1";
    const auth = options.auth ?? "user";
    if (auth === "none") return {};
    if (typeof auth === "object") {
      return {
        authorization: `Bearer ${auth.token}`,
        ...(auth.header && { "x-vercel-auth": auth.header }),
      };
    }
    if (auth === "system") {
      return {
        authorization: `Bearer ${await issuer.systemToken({ installationId })}`,
        "x-vercel-auth": "system",
      };
    }
    const role = auth === "viewer" ? "USER" : "ADMIN";
    return {
      authorization: `Bearer ${await issuer.userToken({ installationId, role })}`,
      "x-vercel-auth": "user",
    };
  }

  return {
    app,
    store,
    database,
    issuer,
    kv,
    jobs,
    services,
    integration,
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = {
        ...(await authHeaders(callOptions)),
        ...callOptions.headers,
      };
      let body: string | undefined;
      if (callOptions.body !== undefined) {
        body =
          typeof callOptions.body === "string"
            ? callOptions.body
            : JSON.stringify(callOptions.body);
        headers["content-type"] ??= "application/json";
      }
      return app.request(path, { method, headers, body });
    },
    async close() {
      await jobs.stop();
      await database.close();
    },
  };
}

/** What a one-product test partner's `acme-kv` product does, beside provisioning with no secrets. */
export type ProductHooks = Omit<
  ProductDefinition<{ region: string }>,
  "id" | "metadata" | "provision"
>;

/**
 * A test partner whose one product, `acme-kv` (metadata `{ region }`), has `hooks`, and which
 * calls Vercel through `vercel` (an emulated Vercel API's fetch).
 */
export function createOneProductPartner(
  vercel: { fetch: NonNullable<ServiceOptions["vercel"]>["fetch"] },
  hooks: ProductHooks,
): Promise<TestPartner> {
  return createTestPartner({
    services: { vercel: { fetch: vercel.fetch, baseUrl: "https://api.vercel.test" } },
    integration: () =>
      defineIntegration({
        products: [
          defineProduct({
            id: "acme-kv",
            metadata: z.object({ region: z.string() }),
            provision: async () => ({ secrets: [] }),
            ...hooks,
          }),
        ],
      }),
  });
}

export function installationBody(overrides: Record<string, unknown> = {}) {
  return {
    scopes: ["read-write:integration-resource"],
    acceptedPolicies: { toc: "2026-01-01T00:00:00Z" },
    credentials: { access_token: "vercel_installation_token_secret", token_type: "Bearer" },
    account: {
      name: "Acme Team",
      url: "https://vercel.com/acme",
      contact: { email: "owner@acme.test" },
    },
    ...overrides,
  };
}

export function provisionBody(overrides: Record<string, unknown> = {}) {
  return {
    productId: "acme-kv",
    name: "cache",
    metadata: { region: "iad1" },
    billingPlanId: "free",
    ...overrides,
  };
}

/** Installs icfg_1 (or `installationId`) and returns nothing but a passing assertion's worth of state. */
export async function install(partner: TestPartner, installationId = "icfg_1"): Promise<void> {
  const response = await partner.call("PUT", `/v1/installations/${installationId}`, {
    installationId,
    body: installationBody(),
  });
  if (response.status !== 200)
    throw new Error(`install failed: ${response.status} ${await response.text()}`);
}
