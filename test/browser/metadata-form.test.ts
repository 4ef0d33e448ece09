/**
 * The provision form of a product that uses every control of Vercel's metadata dialect, in a real
 * headless Chromium at 1280 px: nothing overflows, the slider and the pickers are visible and
 * work, and what the person chose reaches the partner.
 */
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EVERY_CONTROL,
  type PartnerCall,
  servedEmulatorOfRecordingPartner,
} from "../emulator/metadata-dialect-fixtures.ts";
import { ARTIFACTS_DIR, HAS_CHROMIUM, launchChromium } from "../support/browser.ts";
import { horizontalOverflow } from "./overflow.ts";

let browser: Browser | undefined;
let calls: PartnerCall[];
let url: string;
let closeServer: () => void = () => {};

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  ({
    calls,
    url,
    close: closeServer,
  } = await servedEmulatorOfRecordingPartner([
    { id: "dialect-db", name: "Dialect DB", metadataSchema: EVERY_CONTROL },
  ]));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  closeServer();
});

describe.skipIf(!HAS_CHROMIUM)("the metadata form in a browser", () => {
  it("shows every control at 1280 px without overflow, and sends what was chosen", async () => {
    if (!browser) throw new Error("no browser");
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(url);
      await page.getByRole("button", { name: "Install integration" }).click();
      await page.getByRole("heading", { name: /^Installation icfg_/ }).waitFor();
      // The paid plan shows the paid-only field too: the page reloads with it chosen.
      await page.getByRole("radio", { name: /Scale/ }).check();
      await page.getByText("High availability").waitFor();

      expect(await horizontalOverflow(page)).toEqual([]);
      for (const selector of [
        "#field-storage",
        "#field-region",
        "#field-readRegions",
        "#field-country",
        "#field-tier",
        "#field-engine",
        "#field-features",
        "#field-namespace",
        "#field-domain",
        "#field-backups",
      ]) {
        expect(await page.locator(selector).isVisible(), selector).toBe(true);
      }
      await page.screenshot({ path: join(ARTIFACTS_DIR, "metadata-form.png"), fullPage: true });

      await page.locator("#field-storage").fill("3");
      await expect.poll(() => page.locator("output[for=field-storage]").textContent()).toBe("8");
      await page.locator("#field-region").selectOption("sfo1");
      await page.getByText("High availability").waitFor();
      await page.locator("#field-storage").fill("3");
      await page.getByRole("checkbox", { name: "sfo1 — San Francisco, USA" }).check();
      await page.getByRole("radio", { name: "MySQL" }).check();
      await page.getByRole("button", { name: "Create resource" }).click();
      await page.getByRole("heading", { name: "Settings" }).waitFor();

      const sent = calls.find((call) => call.method === "POST" && call.path.endsWith("/resources"));
      expect(sent?.body?.metadata).toMatchObject({
        region: "sfo1",
        storage: [8],
        readRegions: ["sfo1"],
        engine: "mysql",
      });
      // The settings form (update): the read-only field is shown but locked.
      expect(await page.locator("#settings #field-version").isDisabled()).toBe(true);
      expect(await page.locator("#settings").getByText("Maintenance window").isVisible()).toBe(
        true,
      );
      expect(await horizontalOverflow(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS_DIR, "metadata-settings.png"), fullPage: true });
    } finally {
      await context.close();
    }
  }, 90_000);
});
