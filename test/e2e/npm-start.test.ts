/**
 * `npm start` as a container runtime runs it: SIGTERM goes to npm alone (PID 1), not to its
 * process group. The server must get it, stop gracefully and leave nothing running.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createE2eDatabase,
  type E2eDatabase,
  freePort,
  REPO_ROOT,
} from "../support/server-process.ts";

let database: E2eDatabase;

beforeAll(async () => {
  database = await createE2eDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function answers(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).status;
  } catch {
    return undefined;
  }
}

it("SIGTERM sent only to npm stops the server it started, exit 0", async () => {
  const port = await freePort();
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      INTEGRATION_CLIENT_ID: "oac_npm_start",
      INTEGRATION_CLIENT_SECRET: `secret_${randomBytes(12).toString("hex")}`,
      PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      DATABASE_URL: database.url,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npm.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  npm.stderr.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => npm.once("close", resolve));
  try {
    const deadline = Date.now() + 30_000;
    while ((await answers(`http://127.0.0.1:${port}/readyz`)) !== 200) {
      expect(Date.now(), `npm start did not get ready:\n${output}`).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    npm.kill("SIGTERM");
    // npm closes its output only once everything it started has: a server left running holds it.
    const stillRunning = new Promise<string>((resolve) => setTimeout(resolve, 15_000, "running"));
    expect(await Promise.race([exited, stillRunning])).toBe(0);
    expect(output).toContain("Partnerkit serving");
    // Nobody is left behind on the port: the server itself stopped.
    expect(await answers(`http://127.0.0.1:${port}/healthz`)).toBeUndefined();
  } finally {
    npm.kill("SIGKILL");
  }
}, 60_000);
