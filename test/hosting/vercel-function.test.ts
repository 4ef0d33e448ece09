import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AcmeKvFunctions,
  CRON_MAX_DURATION_SECONDS,
  createAcmeKvFunctions,
} from "../../examples/acme-kv/api/_functions.js";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { ConfigError } from "../../packages/partnerkit/src/config.ts";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { createE2eDatabase, type E2eDatabase } from "../support/server-process.ts";

const EXAMPLE = new URL("../../examples/acme-kv/", import.meta.url);
const MARKETPLACE_URL = "http://marketplace.test";
const DEPLOYMENT_URL = "https://acme-kv.test";
const CLIENT_ID = "oac_vercel_function_test";

interface Deployment {
  emulator: Emulator;
  functions: AcmeKvFunctions;
  cronSecret: string;
  /** What Vercel Cron sends to the route of `crons` in vercel.json. */
  cron(authorization?: string): Promise<Response>;
}

let database: E2eDatabase | undefined;
let deployment: Deployment | undefined;
afterEach(async () => {
  await deployment?.functions.partnerkit.stop();
  await database?.drop();
  deployment = undefined;
  database = undefined;
});

/**
 * Acme KV's Vercel Functions as the entry modules build them, configured through the environment
 * only, with the emulator in place of Vercel: its signing keys, and its API reached in-process.
 */
async function deployToVercel(): Promise<Deployment> {
  database = await createE2eDatabase();
  const clientSecret = randomBytes(24).toString("base64url");
  const cronSecret = randomBytes(24).toString("base64url");
  let functions: AcmeKvFunctions | undefined;
  const emulator = await createEmulator({
    url: MARKETPLACE_URL,
    partnerUrl: DEPLOYMENT_URL,
    clientId: CLIENT_ID,
    clientSecret,
    // The catch-all rewrite of vercel.json: every Partner API call and webhook reaches api/partnerkit.
    partnerFetch: (request) => {
      if (!functions) throw new Error("The functions are not deployed yet");
      return functions.fetch(request);
    },
  });
  functions = createAcmeKvFunctions({
    integration: acmeKv,
    env: {
      INTEGRATION_CLIENT_ID: CLIENT_ID,
      INTEGRATION_CLIENT_SECRET: clientSecret,
      PARTNERKIT_ENCRYPTION_KEY: SecretBox.generateKey(),
      DATABASE_URL: database.url,
      VERCEL_OIDC_ISSUER: MARKETPLACE_URL,
      VERCEL_API_URL: MARKETPLACE_URL,
      PUBLIC_URL: DEPLOYMENT_URL,
      CRON_SECRET: cronSecret,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    },
    keys: emulator.issuer.localKeySet(),
    vercel: {
      fetch: (input, init) => Promise.resolve(emulator.fetch(new Request(input, init))),
      retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 500 },
    },
  });
  const cron = functions.cron;
  return {
    emulator,
    functions,
    cronSecret,
    cron: (authorization) =>
      cron(
        new Request(`${DEPLOYMENT_URL}/api/cron`, {
          headers: authorization === undefined ? {} : { authorization },
        }),
      ),
  };
}

/** Every status report of a deployment action the partner PATCHed to Vercel's API. */
function actionReports(emulator: Emulator): string[] {
  return emulator
    .calls({ direction: "partner→vercel" })
    .filter(
      (call) => call.method === "PATCH" && /\/actions\/[^/]+$/.test(new URL(call.url).pathname),
    )
    .map((call) => String((call.requestBody as { status?: unknown } | undefined)?.status));
}

describe("Acme KV on Vercel Functions", () => {
  it("stores the deployment action's webhook at once and runs its job only when the cron route is called", async () => {
    deployment = await deployToVercel();
    const { emulator, functions } = deployment;
    const installation = await emulator.partner.install();
    const resource = await emulator.partner.provision(installation.id, {
      productId: "acme-kv",
      name: "main-db",
      metadata: { region: "iad1" },
      billingPlanId: "free",
    });
    expect(resource.secrets.find((s) => s.name === "KV_REST_API_URL")?.value).toBe(
      `${DEPLOYMENT_URL}/kv/${resource.id}`,
    );
    const project = emulator.state.createProject("web");
    emulator.state.connect(project.id, {
      resourceId: resource.id,
      environments: ["preview"],
      actions: ["branch"],
    });

    // The signed start webhook goes through api/partnerkit and is answered 200 before any work.
    const started = await emulator.deployments.deploy(project.id, { ref: "feature-x" });
    const [webhook] = emulator.calls({ direction: "webhook" });
    expect(webhook?.status).toBe(200);
    expect(started.state).toBe("provisioning");
    const { store } = await functions.partnerkit.ready();
    const queued = await store.listJobs({ status: "queued" });
    expect(queued.length).toBeGreaterThan(0);

    // No resident worker: the job waits, however long, until a tick runs it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(actionReports(emulator)).not.toContain("succeeded");
    expect(await store.listJobs({ status: "queued" })).toHaveLength(queued.length);

    // A cron call without the secret is refused and runs nothing.
    const refused = await deployment.cron("Bearer wrong-secret-of-some-length");
    expect(refused.status).toBe(401);
    const missing = await deployment.cron();
    expect(missing.status).toBe(401);
    expect(actionReports(emulator)).toEqual([]);
    expect(await store.listJobs({ status: "queued" })).toHaveLength(queued.length);

    // Vercel Cron's call: one tick runs the job, which reports succeeded exactly once.
    const ticked = await deployment.cron(`Bearer ${deployment.cronSecret}`);
    expect(ticked.status).toBe(200);
    const result = (await ticked.json()) as { status: string; jobs: number };
    expect(result.status).toBe("ok");
    expect(result.jobs).toBeGreaterThanOrEqual(queued.length);
    expect(actionReports(emulator).filter((status) => status === "succeeded")).toHaveLength(1);
    const settled = await emulator.deployments.waitUntilSettled(started.id, 5_000);
    expect(settled.state).toBe("ready");
    expect(settled.env.KV_REST_API_URL).toBe(`${DEPLOYMENT_URL}/kv/${resource.id}--${started.id}`);

    // The branch's data plane is served by the same function.
    const branch = await functions.fetch(
      new Request(`${settled.env.KV_REST_API_URL}/greeting`, {
        method: "PUT",
        headers: { authorization: `Bearer ${settled.env.KV_REST_API_TOKEN}` },
        body: "hello",
      }),
    );
    expect(branch.ok).toBe(true);

    // A later tick finds nothing of the action left to do: still exactly one final status.
    expect((await deployment.cron(`Bearer ${deployment.cronSecret}`)).status).toBe(200);
    expect(actionReports(emulator).filter((status) => status === "succeeded")).toHaveLength(1);
  });

  it("serves the probes through the same function", async () => {
    deployment = await deployToVercel();
    const { functions } = deployment;
    const probe = (path: string) => functions.fetch(new Request(`${DEPLOYMENT_URL}${path}`));
    expect((await probe("/healthz")).status).toBe(200);
    await functions.partnerkit.ready();
    expect(await (await probe("/readyz")).json()).toEqual({ status: "ready" });
  });
});

describe("Acme KV's Vercel configuration", () => {
  const env = {
    INTEGRATION_CLIENT_ID: CLIENT_ID,
    INTEGRATION_CLIENT_SECRET: "client-secret",
    PARTNERKIT_ENCRYPTION_KEY: "a1".repeat(32),
    DATABASE_URL: "postgres://acme@db.example.test:5432/acme",
    PUBLIC_URL: DEPLOYMENT_URL,
    CRON_SECRET: "cron-secret-of-at-least-16-chars",
  };
  // Each of these is refused before any database is opened.
  it.each([
    ["a missing CRON_SECRET", { CRON_SECRET: undefined }, "CRON_SECRET"],
    ["an SQLite DATABASE_URL on Vercel", { VERCEL: "1", DATABASE_URL: "/tmp/kv.db" }, "postgres"],
    ["the default DATABASE_URL on Vercel", { VERCEL: "1", DATABASE_URL: undefined }, "postgres"],
    ["a missing PUBLIC_URL on Vercel", { VERCEL: "1", PUBLIC_URL: undefined }, "PUBLIC_URL"],
    ["a missing client id", { INTEGRATION_CLIENT_ID: undefined }, "INTEGRATION_CLIENT_ID"],
  ])("refuses %s, naming it", (_case, overrides, named) => {
    const attempt = () =>
      createAcmeKvFunctions({ integration: acmeKv, env: { ...env, ...overrides } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(named);
  });

  it("routes every path to api/partnerkit, runs api/cron every minute, and gives it the duration the tick expects", () => {
    const config = JSON.parse(readFileSync(new URL("vercel.json", EXAMPLE), "utf8")) as {
      rewrites: { source: string; destination: string }[];
      crons: { path: string; schedule: string }[];
      functions: Record<string, { maxDuration?: number }>;
    };
    expect(config.rewrites).toEqual([{ source: "/(.*)", destination: "/api/partnerkit" }]);
    expect(config.crons).toEqual([{ path: "/api/cron", schedule: "* * * * *" }]);
    expect(config.functions["api/cron.js"]?.maxDuration).toBe(CRON_MAX_DURATION_SECONDS);
    for (const entry of ["api/partnerkit.js", "api/cron.js"]) {
      expect(existsSync(new URL(entry, EXAMPLE))).toBe(true);
    }
  });
});
