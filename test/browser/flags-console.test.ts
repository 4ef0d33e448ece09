/**
 * A flags product in the console, in a real headless Chromium at 1280 px: provisioning with
 * "Sync flags to an Edge Config" ticked, then the Flags page showing what the partner pushed to
 * Vercel's experimentation API (items, the configuration, the calls) without overflowing
 * sideways, and its provisioning-delay control.
 */
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { servedEmulatorOfRecordingPartner } from "../emulator/metadata-dialect-fixtures.ts";
import { ARTIFACTS_DIR, HAS_CHROMIUM, launchChromium } from "../support/browser.ts";
import { horizontalOverflow, openAllDetails } from "./overflow.ts";

let browser: Browser | undefined;
let emulator: Emulator;
let url: string;
let closeServer: () => void = () => {};

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  ({
    emulator,
    url,
    close: closeServer,
  } = await servedEmulatorOfRecordingPartner([
    { id: "acme-flags", name: "Acme Flags", experimentation: { edgeConfigSyncing: true } },
  ]));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  closeServer();
});

/** What a flags partner sends once the resource exists, over HTTP with its access token. */
async function pushAsPartner(installationId: string, resourceId: string): Promise<void> {
  const token = emulator.state.installations.get(installationId)?.accessToken ?? "";
  const send = (method: string, path: string, body: unknown) =>
    fetch(
      `${url}/v1/installations/${installationId}/resources/${resourceId}/experimentation/${path}`,
      {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      },
    );
  const items = [
    {
      id: "flag_checkout",
      slug: "new-checkout-flow-with-a-rather-long-slug-for-the-table",
      name: "New checkout",
      description: "Moves payment before shipping",
      origin: `https://flags.example/projects/acme/${"environments/production/".repeat(4)}flags/new-checkout`,
      category: "flag",
      createdAt: Date.UTC(2026, 11, 6, 20, 15, 4),
      updatedAt: Date.UTC(2026, 11, 7, 8, 0, 0),
    },
    {
      id: "exp_pricing",
      slug: "pricing-page",
      name: "Pricing page test",
      origin: "https://flags.example/experiments/pricing-page",
      category: "experiment",
      isArchived: true,
      // Seconds by mistake: accepted, with a warning on the recorded call.
      createdAt: 1_765_000_000,
    },
  ];
  expect((await send("POST", "items", { items })).status).toBe(204);
  const data = {
    "new-checkout": { enabled: true, rollout: 25, variants: ["control", "treatment"] },
    "pricing-page": { enabled: false, segments: { country: ["DE", "FR"], plan: "pro" } },
  };
  expect((await send("PUT", "global-config", { data })).status).toBe(200);
  expect((await send("PUT", "global-config", { data: [1] })).status).toBe(400);
}

describe.skipIf(!HAS_CHROMIUM)("the Flags page in a browser", () => {
  it("provisions with syncing and shows the pushed flags at 1280 px without overflow", async () => {
    if (!browser) throw new Error("no browser");
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(url);
      await page.getByRole("button", { name: "Install integration" }).click();
      await page.getByRole("heading", { name: /^Installation icfg_/ }).waitFor();
      const sync = page.getByRole("checkbox", { name: "Sync flags to an Edge Config" });
      expect(await sync.isChecked()).toBe(true);
      await page.getByLabel("Name", { exact: true }).fill("checkout-flags");
      await page.getByRole("button", { name: "Create resource" }).click();
      await page.getByRole("heading", { name: /^checkout-flags/ }).waitFor();

      const [resource] = [...emulator.state.resources.values()];
      if (!resource?.edgeConfig) throw new Error("the resource was provisioned without syncing");
      await pushAsPartner(resource.installationId, resource.id);

      await page.reload();
      const flagsSection = page.locator("#flags");
      expect(await flagsSection.innerText()).toContain("2 experimentation items");
      await page.getByRole("link", { name: "Open the flags and the Edge Config" }).click();
      await page.getByRole("heading", { name: "Flags of checkout-flags" }).waitFor();

      const items = page.locator("[data-flags-items]");
      const itemsText = await items.innerText();
      for (const expected of [
        "New checkout",
        "Pricing page test",
        "experiment",
        "archived",
        "2026-12-06 20:15:04 UTC",
        "2026-12-07 08:00:00 UTC",
      ]) {
        expect(itemsText).toContain(expected);
      }
      expect(await items.getByRole("link").first().getAttribute("href")).toMatch(
        /^https:\/\/flags\.example\//,
      );
      const edgeConfig = await page.locator("#edge-config").innerText();
      expect(edgeConfig).toContain(resource.edgeConfig.id);
      expect(edgeConfig).toContain("PUT …/experimentation/global-config");
      expect(edgeConfig).toContain('"rollout": 25');
      const warning = page.locator("#flags-calls [data-warning]");
      expect(await warning.innerText()).toContain("Vercel expects epoch milliseconds");

      await openAllDetails(page);
      expect(await horizontalOverflow(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS_DIR, "flags-console.png"), fullPage: true });

      await page.getByLabel("Delay (ms)").fill("1500");
      await page.getByLabel("Answer").selectOption("404");
      await page.getByRole("button", { name: "Set delay" }).click();
      await page.getByText("Now: 1500 ms, answering 404").waitFor();
      expect(emulator.vercelApi.faults.pending()).toMatchObject([
        { withinMsOfProvisioning: 1500, status: 404 },
      ]);
      await page.getByRole("button", { name: "Turn off" }).click();
      await page.getByText("Now: off").waitFor();
      expect(emulator.vercelApi.faults.pending()).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
