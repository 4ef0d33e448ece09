/**
 * `npm run dev` stopped and started again, as a developer does all day: the emulated Marketplace
 * and the partner's database must still agree on the installations, and `--reset` empties both.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEmulatorVerb } from "../../packages/partnerkit/src/cli/emulator-verbs.ts";
import type { RecordedCall } from "../../packages/partnerkit/src/emulator/recorder.ts";
import { type DevServer, startDev } from "../support/browser.ts";
import { TEST_ENGINE } from "../support/database.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `partnerkit emulator <verb>` against this dev's emulator, found through EMULATOR_PORT. */
async function verb(dev: DevServer, name: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runEmulatorVerb(
    name,
    args,
    { EMULATOR_PORT: new URL(dev.emulatorUrl).port },
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
  );
  return { code, stderr, json: () => JSON.parse(stdout || stderr) };
}

async function partnerCalls(dev: DevServer): Promise<RecordedCall[]> {
  const response = await fetch(`${dev.emulatorUrl}/__emulator/calls`);
  const { calls } = (await response.json()) as { calls: RecordedCall[] };
  return calls.filter((call) => call.direction === "partner→vercel");
}

/** Waits for the partner's billing job to have reported to the emulator at least once. */
async function billingReported(dev: DevServer): Promise<RecordedCall[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const calls = await partnerCalls(dev);
    if (calls.some((call) => call.url.endsWith("/billing") && call.status === 201)) return calls;
    if (Date.now() > deadline) throw new Error(`no billing report:\n${dev.output().slice(-3000)}`);
    await sleep(250);
  }
}

// One SQLite dev directory whatever the engine under test: run it once.
describe.skipIf(TEST_ENGINE !== "sqlite")("npm run dev, restarted", () => {
  let devDir: string;
  const running: DevServer[] = [];
  const start = async (args: string[] = []) => {
    // Billing every second, so a forgotten installation would show its 401s at once.
    const dev = await startDev({ devDir, args, env: { PARTNERKIT_BILLING_INTERVAL: "1" } });
    running.push(dev);
    return dev;
  };

  beforeAll(async () => {
    devDir = join(await mkdtemp(join(tmpdir(), "partnerkit-dev-")), ".partnerkit");
  });
  afterAll(async () => {
    await Promise.all(running.map((dev) => dev.stop()));
    await rm(join(devDir, ".."), { recursive: true, force: true });
  });

  it("remembers the Marketplace, logs readably without stacks, and starts empty on --reset", async () => {
    const first = await start();
    const installed = await verb(first, "install");
    expect(installed.code, installed.stderr).toBe(0);
    const installationId: string = installed.json().installation.id;
    const provisioned = await verb(
      first,
      "provision",
      "--installation",
      installationId,
      "--product",
      "acme-kv",
    );
    expect(provisioned.code, provisioned.stderr).toBe(0);
    await billingReported(first);
    // pino-pretty in dev: levels and messages, not raw JSON lines.
    expect(first.output()).toMatch(/INFO.*: billing reported/);
    expect(first.output()).not.toContain('"level":30');
    await first.stop();

    const second = await start();
    const calls = await billingReported(second);
    expect(calls.filter((call) => call.status === 401)).toEqual([]);
    const again = await verb(
      second,
      "provision",
      "--installation",
      installationId,
      "--product",
      "acme-kv",
    );
    expect(again.code, again.stderr).toBe(0);
    await second.stop();

    const reset = await start(["--reset"]);
    expect(reset.output()).toContain("Reset: the emulated Marketplace starts empty.");
    const forgotten = await verb(
      reset,
      "provision",
      "--installation",
      installationId,
      "--product",
      "acme-kv",
    );
    expect(forgotten.json().error.message).toContain(`No installation ${installationId}`);
    // The dev database was emptied with it: the partner no longer bills the old installation.
    await sleep(3_000);
    expect(await partnerCalls(reset)).toEqual([]);
    expect(reset.output()).not.toMatch(/\n\s+at /);
  }, 180_000);
});
