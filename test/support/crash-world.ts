import { randomBytes } from "node:crypto";
import { type ServerType, serve } from "@hono/node-server";
import { expect } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { JwksServer, TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "./issuer.ts";
import {
  createE2eDatabase,
  freePort,
  killAllPartnerkits,
  type ProcessEnv,
} from "./server-process.ts";

/**
 * What a kill -9 test needs: the environment of `partnerkit start` processes on one database,
 * pointed at a Vercel whose deployment reads (`GET /v13/deployments/:id`) are held until
 * `release`, so that work a process has taken up is still in flight when the test kills it.
 */
export interface CrashWorld {
  issuer: TestIssuer;
  clientSecret: string;
  env: ProcessEnv;
  /** Deployments whose read reached Vercel so far. */
  reads: Set<string>;
  /** Lets the held reads through, and every later one at once. */
  release(): void;
  /** Posts a signed delivery to a partner's webhook receiver and expects it accepted. */
  deliver(serverUrl: string, event: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startCrashWorld(
  vercel: (request: Request) => Response | Promise<Response>,
): Promise<CrashWorld> {
  const clientSecret = `secret_${randomBytes(12).toString("hex")}`;
  const issuer = await TestIssuer.create();
  const jwks = await JwksServer.start(issuer.jwks.keys);
  const database = await createE2eDatabase();
  const reads = new Set<string>();
  let holding = true;
  const held: (() => void)[] = [];
  const vercelPort = await freePort();
  const vercelServer: ServerType = serve({
    fetch: async (request) => {
      const deployment = /^\/v13\/deployments\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
      if (request.method === "GET" && deployment) {
        reads.add(deployment);
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
      }
      return vercel(request);
    },
    port: vercelPort,
    hostname: "127.0.0.1",
  });
  const port = await freePort();
  return {
    issuer,
    clientSecret,
    reads,
    env: {
      PORT: String(port),
      INTEGRATION_CLIENT_ID: TEST_CLIENT_ID,
      INTEGRATION_CLIENT_SECRET: clientSecret,
      PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      VERCEL_OIDC_ISSUER: TEST_ISSUER,
      VERCEL_OIDC_JWKS_URL: jwks.url,
      VERCEL_API_URL: `http://127.0.0.1:${vercelPort}`,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: "warn",
      DATABASE_URL: database.url,
    },
    release() {
      holding = false;
      for (const resolve of held.splice(0)) resolve();
    },
    async deliver(serverUrl, event) {
      const body = JSON.stringify({ createdAt: Date.now(), ...event });
      const response = await fetch(`${serverUrl}/webhooks`, {
        method: "POST",
        headers: { "x-vercel-signature": signWebhookPayload(body, clientSecret) },
        body,
      });
      expect(response.status).toBe(200);
    },
    async close() {
      await killAllPartnerkits();
      await new Promise<void>((resolve) => vercelServer.close(() => resolve()));
      await jwks.close();
      await database.drop();
    },
  };
}

/** Polls `done` every `stepMs` until it holds or `timeoutMs` has passed. */
export async function pollUntil(done: () => boolean, timeoutMs: number, stepMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
