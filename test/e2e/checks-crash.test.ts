import { randomBytes } from "node:crypto";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import {
  type CheckRunBook,
  checkRunsOf,
  type EmulatedCheckRun,
} from "../../packages/partnerkit/src/emulator/vercel-api/routes/checks.ts";
import type { Secret } from "../../packages/partnerkit/src/protocol/common.ts";
import { JwksServer, TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "../support/issuer.ts";
import { installAndProvision } from "../support/over-http.ts";
import {
  createE2eDatabase,
  type E2eDatabase,
  freePort,
  killAllPartnerkits,
  startPartnerkit,
} from "../support/server-process.ts";

const RUNS = 24;
const CLIENT_SECRET = `secret_${randomBytes(12).toString("hex")}`;

let issuer: TestIssuer;
let jwks: JwksServer;
let database: E2eDatabase;
let vercelServer: ServerType;
let emulator: Emulator;
let book: CheckRunBook;

beforeAll(async () => {
  issuer = await TestIssuer.create();
  jwks = await JwksServer.start(issuer.jwks.keys);
  database = await createE2eDatabase();
  emulator = await createEmulator({
    url: "https://api.vercel.test",
    partnerUrl: "http://127.0.0.1:1",
    clientId: TEST_CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    partnerFetch: async () => new Response(null, { status: 503 }),
  });
  emulator.state.installations.set("icfg_1", {
    id: "icfg_1",
    accountId: "acct_1",
    userId: "user_1",
    accessToken: "vercel_installation_token_secret",
    status: "installed",
  });
  book = checkRunsOf(emulator.vercelApi.store);
});

afterAll(async () => {
  await killAllPartnerkits();
  await new Promise<void>((resolve) => vercelServer?.close(() => resolve()) ?? resolve());
  await jwks.close();
  await database.drop();
});

it("kill -9 in the middle of check runs: a second instance concludes each run exactly once", async () => {
  // A check reads its deployment from Vercel once it reported `running`. Until the kill those
  // reads are held, so the runs the server has taken up are all still at work when it dies.
  const reading = new Set<string>();
  let holding = true;
  const held: (() => void)[] = [];
  const vercelPort = await freePort();
  vercelServer = serve({
    fetch: async (request) => {
      const deployment = /^\/v13\/deployments\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
      if (request.method === "GET" && deployment) {
        reading.add(deployment);
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
      }
      return emulator.app.fetch(request);
    },
    port: vercelPort,
    hostname: "127.0.0.1",
  });
  const port = await freePort();
  const env = {
    PORT: String(port),
    INTEGRATION_CLIENT_ID: TEST_CLIENT_ID,
    INTEGRATION_CLIENT_SECRET: CLIENT_SECRET,
    PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    VERCEL_OIDC_ISSUER: TEST_ISSUER,
    VERCEL_OIDC_JWKS_URL: jwks.url,
    VERCEL_API_URL: `http://127.0.0.1:${vercelPort}`,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: "warn",
    DATABASE_URL: database.url,
  };
  let server = await startPartnerkit(env);
  const { resource } = await installAndProvision(server.url, issuer);
  const { secrets, ...rest } = resource;
  emulator.state.saveResource("icfg_1", rest, secrets as Secret[]);

  const runs: EmulatedCheckRun[] = [];
  for (let index = 0; index < RUNS; index++) {
    const deploymentId = `dpl_${index}`;
    emulator.vercelApi.store.createDeployment({ id: deploymentId, ref: "feature-x", sha: "abc" });
    runs.push(
      book.create({
        deploymentId,
        installationId: "icfg_1",
        resourceId: resource.id,
        name: "kv-smoke",
        blocking: true,
      }),
    );
  }
  // Every start is acknowledged (stored durably), then the process dies with runs in flight.
  await Promise.all(
    runs.map(async (run, index) => {
      const body = JSON.stringify({
        id: `evt_check_crash_${index}`,
        type: "deployment.checkrun.start",
        createdAt: Date.now(),
        payload: {
          installationId: "icfg_1",
          deployment: { id: run.deploymentId },
          checkRun: {
            id: run.id,
            checkId: run.checkId,
            name: run.name,
            source: {
              kind: "integration",
              integrationConfigurationId: "icfg_1",
              externalResourceId: resource.id,
            },
          },
        },
      });
      const response = await fetch(`${server.url}/webhooks`, {
        method: "POST",
        headers: { "x-vercel-signature": signWebhookPayload(body, CLIENT_SECRET) },
        body,
      });
      expect(response.status).toBe(200);
    }),
  );
  const deadlineForReads = Date.now() + 20_000;
  while (reading.size === 0 && Date.now() < deadlineForReads) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Lets the server take up as many runs as its check pool allows before it dies.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.kill("SIGKILL");
  const completions = (run: EmulatedCheckRun) =>
    run.updates.filter((update) => update.status === "completed" && !update.repeat);
  const inFlightAtKill = runs.filter(
    (run) => reading.has(run.deploymentId) && completions(run).length === 0,
  );
  expect(inFlightAtKill.length, "runs at work at the kill").toBeGreaterThan(0);
  expect(inFlightAtKill.map((run) => run.status)).toEqual(inFlightAtKill.map(() => "running"));
  holding = false;
  for (const release of held.splice(0)) release();

  // A second instance on the same database (the first is gone) finishes every run.
  server = await startPartnerkit(env);
  const deadline = Date.now() + 60_000;
  while (runs.some((run) => run.status !== "completed") && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(runs.filter((run) => run.status !== "completed").map((run) => run.id)).toEqual([]);
  // Exactly one conclusion reached Vercel for each run (an identical re-send would be a repeat).
  expect(runs.map((run) => completions(run).map((update) => update.conclusion))).toEqual(
    runs.map(() => ["succeeded"]),
  );
  expect(runs.every((run) => run.updates[0]?.status === "running")).toBe(true);
  await server.stop();
}, 120_000);
