import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BenchError } from "../lib/errors.ts";
import { freePort } from "../lib/free-port.ts";
import { repoFile } from "../lib/paths.ts";
import { BENCH_CLIENT_ID, BENCH_ISSUER } from "../tokens/issuer.ts";
import { type ChildServer, startChildServer } from "./child-server.ts";

/** `INTEGRATION_CLIENT_SECRET` of our server: the bench signs webhook deliveries with it. */
export const BENCH_CLIENT_SECRET = "bench-client-secret";

export interface PartnerkitOptions {
  jwksUrl: string;
  /** A scratch directory; the SQLite database is created in it (see `databaseFile`)… */
  dataDir?: string;
  /** …unless this `DATABASE_URL` (e.g. PostgreSQL) is given. */
  databaseUrl?: string;
  /** `PARTNERKIT_ENCRYPTION_KEY`; a new random key by default. */
  encryptionKey?: string;
  /** `VERCEL_API_URL`: where the server calls Vercel, e.g. an emulated API in the bench. */
  vercelApiUrl?: string;
  logLevel?: string;
  /** Write a V8 CPU profile of the server here when it stops. */
  profileDir?: string;
  /** The integration module to serve, relative to the repository; compiled Acme KV by default. */
  integration?: string;
}

/** The SQLite file our server keeps its state in, under `dataDir`. */
export function databaseFile(dataDir: string): string {
  return join(dataDir, "partnerkit.db");
}

/**
 * Our real server, exactly as `npm start` runs it in production (compiled JavaScript, `npm run bench`
 * builds it first): the Acme KV integration (or `integration`)
 * over SQLite, verifying tokens against the remote JWKS at `jwksUrl`.
 */
export async function startPartnerkit(options: PartnerkitOptions): Promise<ChildServer> {
  const port = await freePort();
  const databaseUrl =
    options.databaseUrl ??
    (options.dataDir === undefined ? undefined : databaseFile(options.dataDir));
  if (databaseUrl === undefined)
    throw new BenchError("startPartnerkit needs a dataDir or a databaseUrl");
  const server = await startChildServer({
    name: "partnerkit",
    entry: repoFile("packages/partnerkit/dist/cli/main.js"),
    args: [
      "start",
      "--integration",
      repoFile(options.integration ?? "examples/acme-kv/dist/index.js"),
    ],
    nodeArgs: options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : [],
    port,
    env: {
      NODE_ENV: "production",
      PORT: String(port),
      LOG_LEVEL: options.logLevel ?? "warn",
      INTEGRATION_CLIENT_ID: BENCH_CLIENT_ID,
      INTEGRATION_CLIENT_SECRET: BENCH_CLIENT_SECRET,
      PARTNERKIT_ENCRYPTION_KEY: options.encryptionKey ?? randomBytes(32).toString("base64"),
      DATABASE_URL: databaseUrl,
      VERCEL_OIDC_ISSUER: BENCH_ISSUER,
      VERCEL_OIDC_JWKS_URL: options.jwksUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...(options.vercelApiUrl && { VERCEL_API_URL: options.vercelApiUrl }),
    },
  });
  try {
    await waitUntilReady(server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** `/readyz` answers 200 once migrations are done: on a large database that is after listening. */
async function waitUntilReady(server: ChildServer, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      last = `${response.status} ${await response.text()}`;
      if (response.ok) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(50);
  }
  throw new BenchError(
    `${server.name} was not ready within ${timeoutMs} ms (/readyz: ${last})\n${server.outputTail()}`,
  );
}
