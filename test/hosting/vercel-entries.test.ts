import { randomBytes } from "node:crypto";
import { afterEach, expect, it, vi } from "vitest";
import type { AcmeKvFunctions } from "../../examples/acme-kv/api/_functions.js";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { createE2eDatabase, type E2eDatabase } from "../support/server-process.ts";

const created = vi.hoisted((): AcmeKvFunctions[] => []);

// The entries import the compiled example; here it is the source, so a stale dist/ does not matter.
vi.mock(
  "../../examples/acme-kv/dist/index.js",
  () => import("../../examples/acme-kv/src/index.ts"),
);
// Remembers what each entry module built, to close it after the test.
vi.mock("../../examples/acme-kv/api/_functions.js", async (importOriginal) => {
  const original =
    await importOriginal<typeof import("../../examples/acme-kv/api/_functions.js")>();
  return {
    ...original,
    createAcmeKvFunctions: (options: Parameters<typeof original.createAcmeKvFunctions>[0]) => {
      const functions = original.createAcmeKvFunctions(options);
      created.push(functions);
      return functions;
    },
  };
});

let database: E2eDatabase | undefined;
afterEach(async () => {
  for (const functions of created.splice(0)) await functions.partnerkit.stop();
  vi.unstubAllEnvs();
  await database?.drop();
});

const DEPLOYMENT_URL = "https://acme-kv.test";

it("the production entries build themselves from the environment alone at module scope", async () => {
  database = await createE2eDatabase();
  const cronSecret = randomBytes(24).toString("base64url");
  const env: Record<string, string | undefined> = {
    INTEGRATION_CLIENT_ID: "oac_vercel_entries_test",
    INTEGRATION_CLIENT_SECRET: randomBytes(24).toString("base64url"),
    PARTNERKIT_ENCRYPTION_KEY: SecretBox.generateKey(),
    DATABASE_URL: database.url,
    PUBLIC_URL: DEPLOYMENT_URL,
    CRON_SECRET: cronSecret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    // Set on Vercel, where an SQLite DATABASE_URL is refused; the SQLite run here is not on Vercel.
    VERCEL: undefined,
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);

  const { default: partnerkitFunction } = await import("../../examples/acme-kv/api/partnerkit.js");
  const { GET: cronFunction } = await import("../../examples/acme-kv/api/cron.js");
  // One instance per function, built when its module loads and reused by every request after.
  expect(created).toHaveLength(2);

  const request = (path: string, init?: RequestInit) =>
    new Request(`${DEPLOYMENT_URL}${path}`, init);
  expect((await partnerkitFunction.fetch(request("/healthz"))).status).toBe(200);
  // Migrations run in the background; on a busy machine they outlast a short poll.
  for (const functions of created) await functions.partnerkit.ready();
  expect((await partnerkitFunction.fetch(request("/readyz"))).status).toBe(200);
  // The Partner API answers through the same function: unsigned, it is refused.
  expect((await partnerkitFunction.fetch(request("/v1/products/acme-kv/plans"))).status).toBe(401);

  expect((await cronFunction(request("/api/cron"))).status).toBe(401);
  const ticked = await cronFunction(
    request("/api/cron", { headers: { authorization: `Bearer ${cronSecret}` } }),
  );
  expect(ticked.status).toBe(200);
  expect(await ticked.json()).toMatchObject({ status: "ok", jobs: 0 });
});
