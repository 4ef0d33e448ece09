import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { freePort } from "../lib/free-port.ts";
import { repoFile } from "../lib/paths.ts";
import { BENCH_CLIENT_ID, BENCH_ISSUER } from "../tokens/issuer.ts";
import { type ChildServer, startChildServer } from "./child-server.ts";

/** `INTEGRATION_CLIENT_SECRET` of our server: the bench signs webhook deliveries with it. */
export const BENCH_CLIENT_SECRET = "bench-client-secret";

export interface PartnerkitOptions {
  jwksUrl: string;
  /** A scratch directory; the SQLite database is created in it (see `databaseFile`). */
  dataDir: string;
  /** `VERCEL_API_URL`: where the server calls Vercel, e.g. an emulated API in the bench. */
  vercelApiUrl?: string;
  logLevel?: string;
  /** Write a V8 CPU profile of the server here when it stops. */
  profileDir?: string;
}

/** The SQLite file our server keeps its state in, under `dataDir`. */
export function databaseFile(dataDir: string): string {
  return join(dataDir, "partnerkit.db");
}

/**
 * Our real server, exactly as `npm start` runs it in production (compiled JavaScript, `npm run bench`
 * builds it first): the Acme KV integration
 * over SQLite, verifying tokens against the remote JWKS at `jwksUrl`.
 */
export async function startPartnerkit(options: PartnerkitOptions): Promise<ChildServer> {
  const port = await freePort();
  return startChildServer({
    name: "partnerkit",
    entry: repoFile("packages/partnerkit/dist/cli/main.js"),
    args: ["start", "--integration", repoFile("examples/acme-kv/dist/index.js")],
    nodeArgs: options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : [],
    port,
    env: {
      NODE_ENV: "production",
      PORT: String(port),
      LOG_LEVEL: options.logLevel ?? "warn",
      INTEGRATION_CLIENT_ID: BENCH_CLIENT_ID,
      INTEGRATION_CLIENT_SECRET: BENCH_CLIENT_SECRET,
      PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      DATABASE_URL: databaseFile(options.dataDir),
      VERCEL_OIDC_ISSUER: BENCH_ISSUER,
      VERCEL_OIDC_JWKS_URL: options.jwksUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...(options.vercelApiUrl && { VERCEL_API_URL: options.vercelApiUrl }),
    },
  });
}
