/**
 * `partnerkit build`: the integration and the server bundled into one directory, run by plain
 * `node` the way `partnerkit start` runs, against the engine of this project.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { JwksServer, TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "../support/issuer.ts";
import { installAndProvision } from "../support/over-http.ts";
import {
  createE2eDatabase,
  type E2eDatabase,
  freePort,
  killAllPartnerkits,
  REPO_ROOT,
  spawnNode,
} from "../support/server-process.ts";

const run = promisify(execFile);

let issuer: TestIssuer;
let jwks: JwksServer;
let database: E2eDatabase;
let outdir: string;

beforeAll(async () => {
  issuer = await TestIssuer.create();
  jwks = await JwksServer.start(issuer.jwks.keys);
  database = await createE2eDatabase();
  // Inside the repository: the server imports the database drivers from its node_modules.
  const cache = join(REPO_ROOT, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  outdir = await mkdtemp(join(cache, "partnerkit-build-"));
});

afterAll(async () => {
  await killAllPartnerkits();
  await jwks?.close();
  await database?.drop();
  await rm(outdir, { recursive: true, force: true });
});

it("bundles an integration into a server that serves the Partner API and stops on SIGTERM", async () => {
  // The compiled CLI, as a provider's build script runs it; the example's TypeScript source in.
  const built = await run(
    process.execPath,
    [
      "packages/partnerkit/bin/partnerkit.js",
      "build",
      "--integration",
      "examples/acme-kv/src/index.ts",
      "--outdir",
      outdir,
    ],
    { cwd: REPO_ROOT },
  );
  expect(built.stdout).toContain(join(outdir, "server.mjs"));
  const files = await readdir(outdir, { recursive: true });
  expect(files).toContain("server.mjs");
  // Nothing but the server, its chunks and their source maps: no node_modules copied in.
  expect(
    files.filter((file) => !/^(server\.mjs|chunks)(\/[\w-]+\.mjs)?(\.map)?$/.test(file)),
  ).toEqual([]);

  const port = await freePort();
  const server = spawnNode([join(outdir, "server.mjs")], {
    PORT: String(port),
    INTEGRATION_CLIENT_ID: TEST_CLIENT_ID,
    INTEGRATION_CLIENT_SECRET: `secret_${randomBytes(12).toString("hex")}`,
    PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    VERCEL_OIDC_ISSUER: TEST_ISSUER,
    VERCEL_OIDC_JWKS_URL: jwks.url,
    VERCEL_API_URL: "http://127.0.0.1:9",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: "warn",
    DATABASE_URL: database.url,
  });
  await server.waitUntilReady();
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

  const { resource, user } = await installAndProvision(server.url, issuer);
  expect(resource.secrets.map((secret) => secret.name)).toContain("KV_REST_API_TOKEN");
  const read = await fetch(`${server.url}/v1/installations/icfg_1/resources/${resource.id}`, {
    headers: user,
  });
  expect(read.status).toBe(200);
  expect(await database.tables()).toContain("acme_kv_namespaces");

  expect(await server.stop()).toEqual({ code: 0, signal: null });
  expect(server.stdout).toContain("Partnerkit serving");
}, 90_000);
