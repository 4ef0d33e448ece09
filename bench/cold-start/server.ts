import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { BenchError } from "../lib/errors.ts";
import { freePort } from "../lib/free-port.ts";
import { REPO_ROOT, repoFile } from "../lib/paths.ts";
import { hasExited, stopChild } from "../servers/child-server.ts";
import { BENCH_CLIENT_SECRET, databaseFile } from "../servers/partnerkit.ts";
import { BENCH_CLIENT_ID, BENCH_ISSUER } from "../tokens/issuer.ts";

/** `partnerkit start` as the `partnerkit` bin runs it, on the compiled example (not bundled). */
export const SERVER_ENTRY = "packages/partnerkit/bin/partnerkit.js";
export const INTEGRATION = "examples/acme-kv/dist/index.js";
/** The example as `partnerkit build` bundles it: what `npm start` runs, minus npm itself. */
export const BUILT_SERVER = "examples/acme-kv/dist/server/server.mjs";

/** Which way the server is started. */
export type ServerKind = "built" | "cli";

const SERVER_ARGS: Record<ServerKind, string[]> = {
  built: [BUILT_SERVER],
  cli: [SERVER_ENTRY, "start", "--integration", INTEGRATION],
};

/**
 * Between two probes of a server not answering yet: the resolution of the timings, traded
 * against the CPU the probing takes from the server starting beside it.
 */
export const PROBE_INTERVAL_MS = 5;
const PROBE_TIMEOUT_MS = 1_000;
const START_TIMEOUT_MS = 20_000;
const OUTPUT_TAIL_CHARS = 4096;

export interface StartTimes {
  /** From just before `spawn()` to the first 200 from `GET /healthz` (the server listens). */
  healthzMs: number;
  /** From just before `spawn()` to the first 200 from `GET /readyz` (migrations are done). */
  readyzMs: number;
}

export interface SpawnedServer {
  pid: number;
  times: StartTimes;
  stop(): Promise<void>;
}

/**
 * Spawns our server on a fresh port with its SQLite database in `dataDir` (created empty or
 * reused as it is), and times it from just before `spawn()` until `/healthz`, then `/readyz`,
 * answer 200. Probes are plain `node:http` requests on a new connection each, every
 * `PROBE_INTERVAL_MS` while nothing answers. The token key set is never fetched: no request here carries a token.
 */
export async function spawnServer(options: {
  dataDir: string;
  server: ServerKind;
  nodeArgs?: string[];
}): Promise<SpawnedServer> {
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    LOG_LEVEL: "warn",
    INTEGRATION_CLIENT_ID: BENCH_CLIENT_ID,
    INTEGRATION_CLIENT_SECRET: BENCH_CLIENT_SECRET,
    PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    DATABASE_URL: databaseFile(options.dataDir),
    VERCEL_OIDC_ISSUER: BENCH_ISSUER,
    VERCEL_OIDC_JWKS_URL: "http://127.0.0.1:9/.well-known/jwks",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
  };
  const [entry = "", ...rest] = SERVER_ARGS[options.server];
  const args = [
    ...(options.nodeArgs ?? []),
    repoFile(entry),
    ...rest.map((arg) => (arg === INTEGRATION ? repoFile(arg) : arg)),
  ];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", keepTail);
  child.stderr?.on("data", keepTail);
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    await stopChild(child);
    process.off("exit", killOnExit);
  };

  try {
    const deadline = spawnedAt + START_TIMEOUT_MS;
    const url = `http://127.0.0.1:${port}`;
    const healthzMs = (await firstOk(child, `${url}/healthz`, deadline)) - spawnedAt;
    const readyzMs = (await firstOk(child, `${url}/readyz`, deadline)) - spawnedAt;
    return { pid: child.pid ?? 0, times: { healthzMs, readyzMs }, stop };
  } catch (error) {
    await stop();
    throw new BenchError(`partnerkit did not start: ${(error as Error).message}\n${output}`);
  }
}

/** When `url` first answered 200 (`performance.now()`), probing until `deadline`. */
async function firstOk(child: ChildProcess, url: string, deadline: number): Promise<number> {
  let last = "no answer";
  while (performance.now() < deadline) {
    if (hasExited(child)) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    const status = await probe(url);
    const answeredAt = performance.now();
    if (status === 200) return answeredAt;
    if (status !== undefined) last = `${status}`;
    await sleep(PROBE_INTERVAL_MS);
  }
  throw new Error(`${url} did not answer 200 within ${START_TIMEOUT_MS} ms (last: ${last})`);
}

/** One `GET` on a new connection: the status, or `undefined` when nothing answered. */
function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: PROBE_TIMEOUT_MS }, (response) => {
      response.resume();
      response.once("end", () => resolve(response.statusCode));
      response.once("error", () => resolve(undefined));
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(undefined));
    req.end();
  });
}
