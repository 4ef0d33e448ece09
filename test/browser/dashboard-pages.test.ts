/**
 * Every page of the dashboard in a real Chromium at 1280 px, against `npm run dev`'s real command:
 * signed in from the emulator's console, an ADMIN rotates secrets, sets keys in Acme KV's key
 * browser and reads the invoices of a closed period. No page sticks out sideways, and pages show
 * names, not ids. Screenshots go to test-artifacts/dashboard-*.png.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  ARTIFACTS_DIR,
  createInEmulator,
  devAndBrowserForFile,
  HAS_CHROMIUM,
} from "../support/browser.ts";
import { horizontalOverflow } from "./overflow.ts";

const started = devAndBrowserForFile();

/** Lays the page out at 1280 px, checks it and keeps a screenshot. */
async function check(page: Page, name: string, ids: string[]) {
  expect(await horizontalOverflow(page), name).toEqual([]);
  const text = await page.innerText("body");
  for (const id of ids) expect(text, `${name} shows an id`).not.toContain(id);
  await page.screenshot({ path: join(ARTIFACTS_DIR, `dashboard-${name}.png`), fullPage: true });
  return text;
}

describe.skipIf(!HAS_CHROMIUM)("the dashboard's pages in a browser", () => {
  it("fit 1280 px and name things, from the overview to the key browser and invoices", async () => {
    if (!started.dev || !started.browser) throw new Error("not started");
    const installationId =
      (await createInEmulator(started.dev, "/installations", {})).installation?.id ?? "";
    const resources = `/installations/${installationId}/resources`;
    const store = (
      await createInEmulator(started.dev, resources, {
        productId: "acme-kv",
        name: "sessions-store-for-the-storefront-checkout-and-carts",
        billingPlanId: "pro",
      })
    ).resource;
    const cache = (
      await createInEmulator(started.dev, resources, {
        productId: "acme-kv",
        name: "cache",
        billingPlanId: "free",
      })
    ).resource;
    if (!store || !cache) throw new Error("no resource");
    const ids = [store.id, cache.id];

    const context = await started.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${started.dev.emulatorUrl}${resources}/${store.id}`);
    await page.getByRole("link", { name: "Open in provider" }).click();
    await page.waitForURL(`${started.dev.partnerUrl}/dashboard/resources/${store.id}`);
    const detail = await check(page, "resource", ids);
    expect(detail).toContain("Usage this period");
    expect(detail).toContain("Requests");

    // Acme KV's key browser: set a long key and a long value through the form.
    await page.getByRole("main").getByRole("link", { name: "Keys" }).click();
    await page.waitForURL(`${started.dev.partnerUrl}/dashboard/resources/${store.id}/keys`);
    const longKey = `cart:${"0123456789abcdef".repeat(8)}`;
    for (const key of ["user:1", "user:2", longKey]) {
      await page.goto(`${started.dev.partnerUrl}/dashboard/resources/${store.id}/keys`);
      await page.getByLabel("Key").fill(key);
      await page.getByLabel("Value").fill(`{"items":[${'"sku-123456789",'.repeat(40)}"x"]}`);
      await page.getByRole("button", { name: "Save" }).click();
      await page.waitForURL(/\/keys\/view\?key=/);
    }
    await check(page, "key", ids);
    await page.goto(`${started.dev.partnerUrl}/dashboard/resources/${store.id}/keys`);
    const keys = await check(page, "keys", ids);
    expect(keys).toContain(longKey);
    await page.getByLabel("Prefix").fill("user:");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/prefix=user/);
    expect(await page.locator("table code").allInnerTexts()).toEqual(["user:1", "user:2"]);

    // Secrets: masked, and rotated by the ADMIN.
    await page.getByRole("main").getByRole("link", { name: "Secrets" }).click();
    await page.waitForURL(`${started.dev.partnerUrl}/dashboard/resources/${store.id}/secrets`);
    await check(page, "secrets", ids);
    await page.getByLabel("Reason (optional)").fill("routine");
    await page.getByRole("button", { name: "Rotate secrets" }).click();
    await page.waitForURL(/done=rotated/);
    expect(await check(page, "secrets-rotated", ids)).toContain("sent to Vercel");

    // Close the period on the partner's clock: its invoices come back on the billing page.
    const closed = await fetch(
      `${started.dev.emulatorUrl}/installations/${installationId}/billing/close-period`,
      { method: "POST", redirect: "manual" },
    );
    expect(closed.status, started.dev.output().slice(-2000)).toBe(303);
    await page.goto(`${started.dev.partnerUrl}/dashboard/billing`);
    const billing = await check(page, "billing", ids);
    expect(billing).toContain(store.name);
    expect(billing).toMatch(/\$\d+\.\d\d/);
    expect(billing).not.toContain("No invoices yet");

    await page.getByRole("banner").getByRole("link", { name: "Overview" }).click();
    await page.waitForURL(`${started.dev.partnerUrl}/dashboard`);
    await check(page, "overview", ids);
    await context.close();
  });
});
