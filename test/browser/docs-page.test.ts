/**
 * `/docs` as a developer meets it: `npm run dev`'s real command, a real headless Chromium at 1280 px.
 * The page is readable (nothing sticks out sideways), its index leads to the operations and its
 * type links to the schemas. Screenshots go to test-artifacts/docs-*.png.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ARTIFACTS_DIR, devAndBrowserForFile, HAS_CHROMIUM } from "../support/browser.ts";
import { horizontalOverflow } from "./overflow.ts";

const ServedDocument = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.object({ summary: z.string() }))),
});

const started = devAndBrowserForFile();

async function openDocs(): Promise<Page> {
  if (!started.dev || !started.browser) throw new Error("no dev server or browser");
  const page = await started.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const response = await page.goto(`${started.dev.partnerUrl}/docs`);
  expect(response?.status(), started.dev.output()).toBe(200);
  return page;
}

describe.skipIf(!HAS_CHROMIUM)("the API reference page of `partnerkit dev`", () => {
  it("shows every operation of /openapi.json, readable at 1280 px", async () => {
    const page = await openDocs();
    await expect
      .poll(() => page.locator("h1").innerText())
      .toBe("Vercel Marketplace Partner API (Partnerkit)");
    expect(await horizontalOverflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, "docs-top.png") });

    // The page shows what the served document says, operation for operation.
    const document = ServedDocument.parse(
      await (await fetch(`${started.dev?.partnerUrl}/openapi.json`)).json(),
    );
    const summaries = Object.values(document.paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.summary),
    );
    expect(summaries.length).toBeGreaterThan(15);
    const headings = await page.locator("main article h3").allInnerTexts();
    for (const summary of summaries) {
      // A deprecated operation's heading carries a "deprecated" tag after its summary.
      expect(
        headings.some((heading) => heading.startsWith(summary)),
        summary,
      ).toBe(true);
    }
    await page.close();
  });

  it("leads from the index to an operation, and from its body to the schema", async () => {
    const page = await openDocs();
    await page.locator("nav a", { hasText: "Provision Resource" }).click();
    expect(page.url()).toMatch(/#provisionResource$/);
    const operation = page.locator("article#provisionResource");
    await expect.poll(() => operation.isVisible()).toBe(true);
    const text = (await operation.innerText()).replace(/\s+/g, " ");
    expect(text).toContain("POST /v1/installations/{installationId}/resources");
    expect(text).toContain("Idempotency-Key");
    expect(text).toContain("billingPlanId");
    expect(await horizontalOverflow(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, "docs-operation.png") });

    await operation.getByRole("link", { name: "ProvisionResourceResponse" }).click();
    expect(page.url()).toMatch(/#schema-ProvisionResourceResponse$/);
    const schema = (
      await page.locator("article#schema-ProvisionResourceResponse").innerText()
    ).replace(/\s+/g, " ");
    expect(schema).toContain("secrets required array of Secret");
    await page.close();
  });
});
