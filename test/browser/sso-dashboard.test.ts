/**
 * "Open in provider" in a real Chromium at 1280 px, against `npm run dev`'s real command: from the
 * emulator's console to the partner's dashboard through the SSO exchange. The pages show names,
 * not ids, and nothing sticks out sideways. Screenshots go to test-artifacts/sso-*.png.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ARTIFACTS_DIR,
  createInEmulator,
  devAndBrowserForFile,
  HAS_CHROMIUM,
} from "../support/browser.ts";
import { horizontalOverflow } from "./overflow.ts";

const started = devAndBrowserForFile();

describe.skipIf(!HAS_CHROMIUM)("SSO dashboard in a browser", () => {
  it("opens a resource from the console and shows the dashboard at 1280 px by names", async () => {
    if (!started.dev || !started.browser) throw new Error("not started");
    const installationId =
      (await createInEmulator(started.dev, "/installations", {})).installation?.id ?? "";
    const resources = `/installations/${installationId}/resources`;
    const sessions = (
      await createInEmulator(started.dev, resources, {
        productId: "acme-kv",
        name: "sessions-store-for-the-storefront",
        billingPlanId: "pro",
      })
    ).resource;
    await createInEmulator(started.dev, resources, {
      productId: "acme-kv",
      name: "cache",
      billingPlanId: "free",
    });
    if (!sessions) throw new Error("no resource");

    const context = await started.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${started.dev.emulatorUrl}${resources}/${sessions.id}`);
    await page.getByRole("link", { name: "Open in provider" }).click();
    await page.waitForURL(`${started.dev.partnerUrl}/dashboard/resources/${sessions.id}`);

    await expect(page.getByRole("heading", { level: 1 }).innerText()).resolves.toBe(sessions.name);
    const resourceText = await page.innerText("body");
    expect(resourceText).toContain("KV_REST_API_TOKEN");
    expect(resourceText).toContain("••••••••");
    expect(resourceText).not.toContain(sessions.id);
    expect(await horizontalOverflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, "sso-resource.png"), fullPage: true });

    // The session cookie is not readable from the page.
    const cookies = await context.cookies(started.dev.partnerUrl);
    expect(cookies.find((cookie) => cookie.name === "pk_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Lax",
    });

    await page.getByRole("link", { name: "Overview" }).click();
    await page.waitForURL(`${started.dev.partnerUrl}/dashboard`);
    const rows = page.locator("table tr td:first-child");
    await expect(rows.allInnerTexts()).resolves.toEqual([sessions.name, "cache"]);
    const overviewText = await page.innerText("body");
    expect(overviewText).not.toContain(sessions.id);
    expect(overviewText).toContain("Pro");
    expect(await horizontalOverflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, "sso-dashboard.png"), fullPage: true });

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.innerText("body")).resolves.toContain("You are signed out");
    await page.goto(`${started.dev.partnerUrl}/dashboard`);
    await expect(page.innerText("body")).resolves.toContain("You are not signed in");
    await context.close();
  });
});
