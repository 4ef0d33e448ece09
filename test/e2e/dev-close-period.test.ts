/**
 * The console's "Close the period now" against a real `npm run dev`: the partner's billing clock
 * moves to the next period and the invoices of the closed one reach the emulator at once.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEmulatorVerb } from "../../packages/partnerkit/src/cli/emulator-verbs.ts";
import { type DevServer, startDev } from "../support/browser.ts";
import { TEST_ENGINE } from "../support/database.ts";

async function verb(dev: DevServer, name: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runEmulatorVerb(
    name,
    args,
    { EMULATOR_PORT: new URL(dev.emulatorUrl).port },
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
  );
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout);
}

const monthName = (at: Date) =>
  at.toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });

// One SQLite dev directory whatever the engine under test: run it once.
describe.skipIf(TEST_ENGINE !== "sqlite")("npm run dev: closing a billing period", () => {
  let dev: DevServer;
  beforeAll(async () => {
    dev = await startDev();
  });
  afterAll(() => dev?.stop());

  it("invoices the current period at once and keeps the moved clock in the dev directory", async () => {
    const { installation } = await verb(dev, "install");
    await verb(
      dev,
      "provision",
      "--installation",
      installation.id,
      "--product",
      "acme-kv",
      "--plan",
      "pro",
    );
    const billing = `${dev.emulatorUrl}/installations/${installation.id}/billing`;
    const now = new Date();

    const closed = await fetch(`${billing}/close-period`, { method: "POST", redirect: "manual" });
    expect(closed.status, dev.output().slice(-2000)).toBe(303);
    const notice = new URL(closed.headers.get("location") ?? "", dev.emulatorUrl).searchParams.get(
      "notice",
    );
    expect(notice).toBe(
      `${monthName(now)} is closed on the partner's clock; its invoices are below.`,
    );

    const page = await (await fetch(billing)).text();
    const periodStart = `${now.toISOString().slice(0, 7)}-01`;
    expect(page).toContain(`${periodStart} →`);
    expect(page).toMatch(/\$\d+\.\d\d<\/td>\s*<td><span class="status">/);

    const clock = JSON.parse(await readFile(join(dev.devDir, "billing-clock.json"), "utf8"));
    const nextPeriod = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    expect(Date.now() + clock.offsetMs).toBeGreaterThanOrEqual(nextPeriod);
  });
});
