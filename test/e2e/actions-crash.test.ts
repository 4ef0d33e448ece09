import { randomBytes } from "node:crypto";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { JwksServer, TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "../support/issuer.ts";
import { installAndProvision } from "../support/over-http.ts";
import {
  createE2eDatabase,
  type E2eDatabase,
  freePort,
  killAllPartnerkits,
  startPartnerkit,
} from "../support/server-process.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

const ACTIONS = 40;
const CLIENT_SECRET = `secret_${randomBytes(12).toString("hex")}`;

let issuer: TestIssuer;
let jwks: JwksServer;
let database: E2eDatabase;
let vercelServer: ServerType;
let vercel: Awaited<ReturnType<typeof emulatedVercelApi>>;

beforeAll(async () => {
  issuer = await TestIssuer.create();
  jwks = await JwksServer.start(issuer.jwks.keys);
  database = await createE2eDatabase();
  vercel = await emulatedVercelApi();
});

afterAll(async () => {
  await killAllPartnerkits();
  await new Promise<void>((resolve) => vercelServer?.close(() => resolve()) ?? resolve());
  await jwks.close();
  await database.drop();
});

it("kill -9 in the middle of deployment actions: after a restart every action reports, none is lost", async () => {
  // An action starts by reading its deployment from Vercel. Until the kill those reads are held,
  // so the actions the server has taken up are all still at work when it dies.
  const started = new Set<string>();
  let holding = true;
  const held: (() => void)[] = [];
  const vercelPort = await freePort();
  vercelServer = serve({
    fetch: async (request) => {
      const deployment = /^\/v13\/deployments\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
      if (request.method === "GET" && deployment) {
        started.add(deployment);
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
      }
      return vercel.fetch(request);
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
  const resourceId = resource.id;
  vercel.knowResource(resource);
  for (let index = 0; index < ACTIONS; index++) vercel.createDeployment(`dpl_${index}`);

  // Every start is acknowledged (stored durably), then the process dies with work in flight.
  await Promise.all(
    Array.from({ length: ACTIONS }, async (_, index) => {
      const body = JSON.stringify({
        id: `evt_crash_${index}`,
        type: "deployment.integration.action.start",
        createdAt: Date.now(),
        payload: {
          installationId: "icfg_1",
          resourceId,
          action: "branch",
          deployment: { id: `dpl_${index}` },
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
  const deadlineForStarts = Date.now() + 20_000;
  while (started.size === 0 && Date.now() < deadlineForStarts) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Lets the server take up as many actions as its pool allows before it dies.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.kill("SIGKILL");
  const finalReports = () =>
    vercel.actions().map((record) => ({
      deploymentId: record.deploymentId,
      finals: record.reports.filter((report) => report.status !== "running"),
    }));
  const reportedBeforeKill = finalReports().filter((action) => action.finals.length > 0).length;
  const reported = new Set(
    finalReports()
      .filter((action) => action.finals.length > 0)
      .map((action) => action.deploymentId),
  );
  const inFlightAtKill = [...started].filter((deployment) => !reported.has(deployment));
  expect(inFlightAtKill.length, "actions started but not reported at the kill").toBeGreaterThan(0);
  holding = false;
  for (const release of held.splice(0)) release();

  server = await startPartnerkit(env);
  const deadline = Date.now() + 45_000;
  while (
    finalReports().filter((action) => action.finals.length > 0).length < ACTIONS &&
    Date.now() < deadline
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const actions = finalReports();
  expect(
    actions.filter((action) => action.finals.length > 0).length,
    `reported before the kill: ${reportedBeforeKill}, in flight at the kill: ${inFlightAtKill.length}`,
  ).toBe(ACTIONS);
  expect(
    actions.flatMap((action) => action.finals).every((report) => report.status === "succeeded"),
  ).toBe(true);
  // A report is re-sent only if the process died between Vercel's 202 and recording it: at
  // most the handful of runs in flight at the kill, never a whole batch.
  const doubled = actions.filter((action) => action.finals.length > 1).length;
  expect(doubled).toBeLessThanOrEqual(8);
  await server.stop();
}, 90_000);
