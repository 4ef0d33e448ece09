/**
 * Real-browser support: `partnerkit dev` (emulator + `tsx watch` partner) as one process group,
 * and a headless Chromium driven by playwright-core.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { z } from "zod";
import { ACME_KV_MODULE, CLI_NODE_ARGS } from "./cli.ts";
import { freePort, REPO_ROOT } from "./server-process.ts";

/** Debian's chromium; CI installs it with apt-get (playwright cannot download browsers here). */
export const CHROMIUM_PATH = process.env.PARTNERKIT_CHROMIUM ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

/** Where screenshots go (gitignored; CI keeps the directory as its artifacts). */
export const ARTIFACTS_DIR = join(REPO_ROOT, "test-artifacts");

/** The README's screenshots, rewritten only when `UPDATE_SCREENSHOTS=1`. */
export const DOCS_SCREENSHOTS_DIR = join(REPO_ROOT, "docs", "screenshots");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Configuration the dev command must not inherit from the test runner's environment. */
const DEV_VARIABLES = [
  "PORT",
  "EMULATOR_PORT",
  "INTEGRATION_CLIENT_ID",
  "INTEGRATION_CLIENT_SECRET",
  "VERCEL_OIDC_ISSUER",
  "VERCEL_OIDC_JWKS_URL",
  "VERCEL_API_URL",
  "DATABASE_URL",
  "PARTNERKIT_ENCRYPTION_KEY",
  "PARTNERKIT_DEV_DIR",
  "PUBLIC_URL",
  "PARTNERKIT_BILLING_INTERVAL",
  "LOG_LEVEL",
];

export interface DevServer {
  /** The dev process, leader of the process group. */
  pid: number;
  /** The emulator's console, as `npm run dev` prints it. */
  emulatorUrl: string;
  partnerUrl: string;
  /** Its `.partnerkit/` directory (PARTNERKIT_DEV_DIR): keys, secrets, the running emulator's record. */
  devDir: string;
  /** Everything both servers printed so far (for failure messages). */
  output(): string;
  /** Stops the whole process group (dev, `tsx watch` and the partner) and removes the temp files. */
  stop(): Promise<void>;
}

/** Process groups still running, killed even if the worker exits without cleaning up. */
const groups = new Set<number>();
process.once("exit", () => {
  for (const pid of groups) killGroup(pid, "SIGKILL");
});

function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

const groupAlive = (pid: number) => killGroup(pid, 0);

/**
 * Starts `npm run dev`'s command (`partnerkit dev` on Acme KV, see `CLI_NODE_ARGS`) from the repository
 * root with a temp `.partnerkit/` directory and SQLite file and free ports, and waits until the
 * emulator and the partner both answer HTTP.
 */
export async function startDev(
  options: {
    timeoutMs?: number;
    env?: Record<string, string>;
    /**
     * A `.partnerkit/` directory to start from and keep (database included), as a restarted
     * `npm run dev` finds it; a temp one, removed on stop, when omitted.
     */
    devDir?: string;
    /** After `partnerkit dev --integration …`, e.g. `--reset`. */
    args?: string[];
  } = {},
): Promise<DevServer> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const temporary = options.devDir
    ? undefined
    : await mkdtemp(join(tmpdir(), "partnerkit-browser-"));
  const devDir = options.devDir ?? join(temporary ?? "", "dev");
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of DEV_VARIABLES) delete env[name];
  Object.assign(env, {
    PORT: String(port),
    EMULATOR_PORT: String(emulatorPort),
    // `dev` keeps its SQLite database in it too.
    PARTNERKIT_DEV_DIR: devDir,
    LOG_LEVEL: "info",
    ...options.env,
  });
  const child = spawn(
    process.execPath,
    [...CLI_NODE_ARGS, "dev", "--integration", ACME_KV_MODULE, ...(options.args ?? [])],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so the `tsx watch` grandchildren die with it
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn partnerkit dev");
  groups.add(pid);
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });

  const server: DevServer = {
    pid,
    emulatorUrl: `http://localhost:${emulatorPort}`,
    partnerUrl: `http://localhost:${port}`,
    devDir,
    output: () => output,
    async stop() {
      killGroup(pid, "SIGTERM");
      const deadline = Date.now() + 5_000;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
      if (groupAlive(pid)) killGroup(pid, "SIGKILL");
      // SIGKILL cannot be ignored; the bound only guards against an init that never reaps.
      const reaped = Date.now() + 5_000;
      while (groupAlive(pid) && Date.now() < reaped) await sleep(50);
      groups.delete(pid);
      if (temporary) await rm(temporary, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + timeoutMs;
  const pending = new Set([server.emulatorUrl, server.partnerUrl]);
  while (pending.size > 0) {
    if (exited || Date.now() > deadline) {
      await server.stop();
      throw new Error(
        `partnerkit dev ${exited ? "exited" : "did not answer"} before ${[...pending].join(" and ")} answered:\n${output}`,
      );
    }
    for (const url of [...pending]) {
      try {
        await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
        pending.delete(url);
      } catch {
        // not listening yet
      }
    }
    if (pending.size > 0) await sleep(100);
  }
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return server;
}

/** True while any process of the group `pid` runs (for asserting nothing was left behind). */
export function processGroupAlive(pid: number): boolean {
  return groupAlive(pid);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `npm run dev` and a Chromium, started once for a test file (when Chromium is installed). */
export interface DevAndBrowser {
  dev?: DevServer;
  browser?: Browser;
}

export function devAndBrowserForFile(): DevAndBrowser {
  const started: DevAndBrowser = {};
  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    [started.dev, started.browser] = await Promise.all([startDev(), launchChromium()]);
  }, 60_000);
  afterAll(async () => {
    await started.browser?.close();
    await started.dev?.stop();
  }, 20_000);
  return started;
}

const Created = z.object({
  installation: z.object({ id: z.string() }).optional(),
  resource: z.object({ id: z.string(), name: z.string() }).optional(),
});

/** Creates an installation or resource through the emulator's control API, expecting 201. */
export async function createInEmulator(dev: DevServer | undefined, path: string, body: unknown) {
  const response = await fetch(`${dev?.emulatorUrl}/__emulator${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return Created.parse(JSON.parse(text));
}
