import { randomBytes } from "node:crypto";
import { type ServerType, serve } from "@hono/node-server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import { TEST_ENGINE } from "../support/database.ts";
import { JwksServer, TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "../support/issuer.ts";
import { installationBody, provisionBody } from "../support/partner-app.ts";
import {
  createE2eDatabase,
  type E2eDatabase,
  freePort,
  killAllPartnerkits,
  type PartnerkitProcess,
  startPartnerkit,
} from "../support/server-process.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

const CLIENT_SECRET = `secret_${randomBytes(12).toString("hex")}`;
/** The action pool of one instance (docs/jobs.md): starts beyond it wait for another instance. */
const ACTION_SLOTS = 8;
/** `partnerkit start` polls every second; a job picked up by polling waits up to that long. */
const WELL_BEFORE_A_POLL_MS = 500;

let issuer: TestIssuer;
let jwks: JwksServer;
let database: E2eDatabase;
let vercelServer: ServerType | undefined;

beforeAll(async () => {
  issuer = await TestIssuer.create();
  jwks = await JwksServer.start(issuer.jwks.keys);
  database = await createE2eDatabase();
});

afterAll(async () => {
  await killAllPartnerkits();
  await new Promise<void>((resolve) =>
    vercelServer ? vercelServer.close(() => resolve()) : resolve(),
  );
  await jwks.close();
  await database.drop();
});

describe.runIf(TEST_ENGINE === "postgres")("two partnerkit start processes on one schema", () => {
  it("a delivery posted to a busy instance is taken up at once by the idle one", async () => {
    // Every action starts by reading its deployment; held here, so each action keeps its slot.
    const vercel = await emulatedVercelApi();
    const lookups = new Map<string, number>();
    const held: (() => void)[] = [];
    let holding = true;
    const vercelPort = await freePort();
    vercelServer = serve({
      fetch: async (request) => {
        const deployment = /^\/v13\/deployments\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
        if (request.method === "GET" && deployment) {
          lookups.set(deployment, performance.now());
          if (holding) await new Promise<void>((resolve) => held.push(resolve));
        }
        return vercel.fetch(request);
      },
      port: vercelPort,
      hostname: "127.0.0.1",
    });
    const instance = async (): Promise<PartnerkitProcess> => {
      const port = await freePort();
      return startPartnerkit({
        PORT: String(port),
        INTEGRATION_CLIENT_ID: TEST_CLIENT_ID,
        INTEGRATION_CLIENT_SECRET: CLIENT_SECRET,
        PARTNERKIT_ENCRYPTION_KEY: ENCRYPTION_KEY,
        VERCEL_OIDC_ISSUER: TEST_ISSUER,
        VERCEL_OIDC_JWKS_URL: jwks.url,
        VERCEL_API_URL: `http://127.0.0.1:${vercelPort}`,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        LOG_LEVEL: "warn",
        DATABASE_URL: database.url,
      });
    };

    const busy = await instance();
    const resource = await installWithResource(busy);
    const resourceId = resource.id;
    vercel.knowResource(resource);
    const deployments = Array.from({ length: ACTION_SLOTS + 5 }, (_, index) => `dpl_${index}`);
    for (const id of deployments) vercel.createDeployment(id);

    // Alone on the schema, the first instance takes the first starts until its pool is full.
    for (const id of deployments.slice(0, ACTION_SLOTS)) await postStart(busy, resourceId, id);
    await until(() => lookups.size === ACTION_SLOTS, "the busy instance's actions to start");

    const idle = await instance();
    await until(async () => (await listeners()) === 2, "both instances to listen for jobs");
    // Each further start is stored by the busy instance and can only run on the idle one.
    for (const id of deployments.slice(ACTION_SLOTS)) {
      const answered = await postStart(busy, resourceId, id);
      await until(() => lookups.has(id), `the idle instance to start ${id}`);
      expect(lookups.get(id) ?? Number.POSITIVE_INFINITY).toBeLessThan(
        answered + WELL_BEFORE_A_POLL_MS,
      );
    }

    holding = false;
    for (const release of held.splice(0)) release();
    const finals = () =>
      vercel
        .actions()
        .map((action) => action.reports.filter((report) => report.status !== "running"));
    await until(
      () => finals().filter((reports) => reports.length > 0).length === deployments.length,
      "every action to report",
    );
    expect(finals().map((reports) => reports.map((report) => report.status))).toEqual(
      deployments.map(() => ["succeeded"]),
    );
    expect((await busy.stop()).code).toBe(0);
    expect((await idle.stop()).code).toBe(0);
  }, 120_000);
});

const ENCRYPTION_KEY = randomBytes(32).toString("base64");

async function installWithResource(server: PartnerkitProcess) {
  const headers = {
    authorization: `Bearer ${await issuer.userToken()}`,
    "content-type": "application/json",
  };
  const installed = await fetch(`${server.url}/v1/installations/icfg_1`, {
    method: "PUT",
    headers,
    body: JSON.stringify(installationBody()),
  });
  expect(installed.status).toBe(200);
  const provisioned = await fetch(`${server.url}/v1/installations/icfg_1/resources`, {
    method: "POST",
    headers,
    body: JSON.stringify(provisionBody()),
  });
  return readBody(provisioned, ProvisionResourceResponse);
}

/** Posts a signed action start; resolves with the time its answer arrived. */
async function postStart(
  server: PartnerkitProcess,
  resourceId: string,
  deploymentId: string,
): Promise<number> {
  const body = JSON.stringify({
    id: `evt_${deploymentId}`,
    type: "deployment.integration.action.start",
    createdAt: Date.now(),
    payload: {
      installationId: "icfg_1",
      resourceId,
      action: "branch",
      deployment: { id: deploymentId },
    },
  });
  const response = await fetch(`${server.url}/webhooks`, {
    method: "POST",
    headers: { "x-vercel-signature": signWebhookPayload(body, CLIENT_SECRET) },
    body,
  });
  expect(response.status).toBe(200);
  return performance.now();
}

/** The job listener connections open on the test's schema (one per started instance). */
async function listeners(): Promise<number> {
  const schema = new URL(database.url).searchParams.get("options")?.split("=").at(-1);
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      "select count(*) from pg_stat_activity where application_name = $1",
      [`partnerkit jobs: ${schema}`],
    );
    return Number(rows[0]?.count);
  } finally {
    await client.end();
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
