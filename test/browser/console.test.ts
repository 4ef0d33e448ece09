/**
 * The emulator console as a new user meets it: `npm run dev`'s real command, a real headless
 * Chromium, and only clicks, form fields and visible text — install, pick a region and a plan,
 * create a resource, run REPL commands on it, connect it to a project with the `branch` action, read its env vars, deploy
 * and watch the action take the deployment from provisioning to ready with the branch's env vars,
 * follow the timeline, uninstall. Then every console page at 1280 px, checked for anything that
 * overflows sideways and for requests that answer 404.
 * Screenshots of each step go to test-artifacts/console-*.png; `UPDATE_SCREENSHOTS=1` also rewrites
 * the README's, in docs/screenshots/.
 */
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ARTIFACTS_DIR,
  CHROMIUM_PATH,
  type DevServer,
  DOCS_SCREENSHOTS_DIR,
  HAS_CHROMIUM,
  launchChromium,
  processGroupAlive,
  startDev,
} from "../support/browser.ts";
import { horizontalOverflow, openAllDetails } from "./overflow.ts";

const MASK = "••••••";
const TITLE =
  "a user installs, provisions, connects a project, deploys through the branch action, reads the timeline and uninstalls";

if (!HAS_CHROMIUM) {
  console.warn(
    `test/browser skipped: no Chromium at ${CHROMIUM_PATH}. Install it with ` +
      "`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium`.",
  );
}

let dev: DevServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  // Billing every few seconds, so the billing page has usage to chart while the test runs.
  [dev, browser] = await Promise.all([
    startDev({ env: { PARTNERKIT_BILLING_INTERVAL: "3" } }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dev) {
    await dev.stop();
    // `npm run dev` runs `tsx watch` and the partner below it: none of them may outlive the test.
    expect(processGroupAlive(dev.pid), "a partnerkit dev process survived").toBe(false);
  }
}, 20_000);

/** The control API answers what it made by kind (`installation`, `resource`, `project`, …). */
const ControlAnswer = z.record(z.string(), z.unknown());
const Identified = z.object({ id: z.string() });

/** The pages whose screenshots the README shows (docs/screenshots/console-<name>.png). */
const DOCUMENTED = new Set([
  "installation",
  "resource",
  "deployment",
  "timeline",
  "webhooks",
  "billing",
]);

/** The text a user sees (closed <details> and the like excluded), whitespace collapsed. */
async function visible(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, " ").trim();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS_DIR, `console-${name}.png`), fullPage: true });
}

/**
 * Runs `steps` in a fresh 1280 px page; a failure says where the page was, what it showed and what
 * the dev server printed. Script errors on any page fail the test.
 */
async function drive(steps: (page: Page, dev: DevServer) => Promise<void>): Promise<void> {
  if (!dev || !browser) throw new Error("beforeAll did not start the servers");
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  try {
    await steps(page, dev);
    expect(pageErrors).toEqual([]);
  } catch (error) {
    await shot(page, "failure").catch(() => undefined);
    // `npm run dev` restarts the partner when a source file changes: say so if it did.
    const restarted = dev.output().includes("Restarting...")
      ? "\n(note: the partner restarted during the test because a source file changed)"
      : "";
    throw new Error(
      `${String(error)}${restarted}\n--- page ${page.url()} ---\n${await page
        .locator("body")
        .innerText()
        .catch(() => "")}\n--- partnerkit dev output ---\n${dev.output().slice(-4000)}`,
      { cause: error },
    );
  } finally {
    await context.close();
  }
}

/** The <section> whose heading is `name`. */
const section = (page: Page, name: string | RegExp) =>
  page.locator("section", { has: page.getByRole("heading", { name, exact: true }) });

describe("emulator console in Chromium", () => {
  it.skipIf(!HAS_CHROMIUM)(
    HAS_CHROMIUM
      ? TITLE
      : `${TITLE} — SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`,
    () =>
      drive(async (page, dev) => {
        const h1 = page.locator("h1");
        // The dashboard, as `npm run dev` tells the user to open it.
        await page.goto(dev.emulatorUrl);
        expect(await visible(h1)).toBe("Integration");
        expect(await visible(page.locator("body"))).toContain(`Partner server: ${dev.partnerUrl}`);
        expect(await visible(section(page, "Installations"))).toContain("None yet.");
        await shot(page, "01-dashboard");

        // Accept the terms.
        await page.getByRole("button", { name: "Install integration" }).click();
        await page.waitForURL(/\/installations\/icfg_[0-9a-f]+$/);
        const installationId = new URL(page.url()).pathname.split("/").pop() ?? "";
        expect(await visible(h1)).toBe(`Installation ${installationId} installed`);
        expect(await visible(section(page, "Resources"))).toContain("No resources yet.");

        // The metadata form is drawn from the product's schema; the plans come from the partner.
        const create = section(page, "Create a resource");
        const proPlan = create.locator("label.plan", { hasText: "Pro (subscription)" });
        const product = create.getByLabel("Product");
        expect(await product.locator("option:checked").innerText()).toBe("Acme KV");
        expect(await visible(product)).toContain("Acme Flags");
        expect(await visible(proPlan)).toContain("$20.00/month + usage");
        await shot(page, "02-installation");

        // Frankfurt costs more: choosing it re-asks the partner for plans.
        await create.getByLabel("region").selectOption("fra1");
        await page.waitForURL(/metadata\.region=fra1/);
        expect(await create.getByLabel("region").inputValue()).toBe("fra1");
        expect(await visible(proPlan)).toContain("$24.00/month + usage");
        expect(await visible(proPlan)).not.toContain("$20.00");
        expect(await visible(create.locator(".plans"))).toMatch(
          /Free \(subscription\).*Pro \(subscription\).*Credits \(prepayment\)/,
        );
        await shot(page, "03-plans-fra1");

        await create.getByLabel("Name").fill("cache");
        await create.getByRole("radio", { name: /Pro \(subscription\)/ }).check();
        await create.getByRole("button", { name: "Create resource" }).click();
        await page.waitForURL(/\/resources\/[^/?]+$/);
        const resourceUrl = page.url();
        const resourceId = new URL(resourceUrl).pathname.split("/").pop() ?? "";

        // The resource page: ready, on Pro in fra1, secrets named but never shown.
        expect(await visible(h1)).toBe("cache ready");
        const details = await visible(page.locator("section").first());
        expect(details).toContain(`Resource id ${resourceId}`);
        expect(details).toContain("Product acme-kv");
        expect(details).toContain("Plan Pro (pro)");
        // Pro is paid: the paid-only memory slider is sent with its default step.
        expect(details).toContain(
          'Metadata {"region":"fra1","evictionPolicy":"noeviction","maxMemoryMb":[256]}',
        );
        expect(details).toContain(`KV_REST_API_URL = ${MASK}`);
        expect(details).toContain(`KV_REST_API_TOKEN = ${MASK}`);
        expect(details).not.toContain("akv_");
        await shot(page, "04-resource");

        // The REPL works on the store's real data; a session starts read-only.
        const repl = section(page, "REPL");
        const readOnly = repl.getByRole("checkbox", { name: "Read-only" });
        expect(await readOnly.isChecked()).toBe(true);
        await repl.getByLabel("Command").fill('set greeting "hello world"');
        await readOnly.uncheck();
        await repl.getByRole("button", { name: "Run" }).click();
        await page.waitForURL(/#repl$/);
        expect(await visible(repl.locator("[data-repl-output]"))).toBe(
          '> set greeting "hello world" OK',
        );
        await repl.getByLabel("Command").fill("get greeting");
        await readOnly.check();
        await repl.getByRole("button", { name: "Run" }).click();
        const output = repl.locator("[data-repl-output]", { hasText: "> get greeting" });
        expect(await visible(output)).toBe("> get greeting hello world");
        await shot(page, "04b-repl");

        // Connect it to a project with a prefix.
        const connect = section(page, "Connect to a project");
        await connect.getByLabel("Project name").fill("shop");
        await connect.getByLabel("Env var prefix (optional)").fill("cache");
        for (const environment of ["development", "preview", "production"]) {
          expect(await connect.getByRole("checkbox", { name: environment }).isChecked()).toBe(true);
        }
        await connect.getByRole("button", { name: "Connect" }).click();
        await page.waitForURL(/\/projects\/prj_[0-9a-f]+/);
        const projectUrl = page.url();

        // The project's env vars: names visible, values masked until the user opens them.
        expect(await visible(h1)).toBe("Project shop");
        const production = section(page, "production");
        for (const environment of ["development", "preview", "production"]) {
          const text = await visible(section(page, environment));
          expect(text).toContain(`CACHE_KV_REST_API_URL ${MASK}`);
          expect(text).toContain(`CACHE_KV_REST_API_TOKEN ${MASK}`);
          expect(text).not.toContain("akv_");
        }
        const tokenRow = production.locator("tr", { hasText: "CACHE_KV_REST_API_TOKEN" });
        const urlRow = production.locator("tr", { hasText: "CACHE_KV_REST_API_URL" });
        expect(await tokenRow.locator("details code").isHidden()).toBe(true);
        await shot(page, "05-project-env");
        await tokenRow.locator("summary").click();
        await urlRow.locator("summary").click();
        expect(await visible(tokenRow.locator("details code"))).toMatch(/^akv_[\w-]{20,}$/);
        expect(await visible(urlRow.locator("details code"))).toBe(
          `${dev.partnerUrl}/kv/${resourceId}`,
        );
        await shot(page, "06-project-env-revealed");

        // Deploy a preview of a branch: the `branch` action runs first and the deployment waits.
        const deploy = section(page, "Deploy");
        expect(await visible(deploy)).toContain("Runs the configured actions first: branch.");
        await deploy.getByLabel("Target").selectOption("preview");
        await deploy.getByLabel("Git branch").fill("feature-login");
        await deploy.getByRole("button", { name: "Deploy" }).click();
        await page.waitForURL(/\/deployments\/dpl_[0-9a-f]+$/);
        const deploymentId = new URL(page.url()).pathname.split("/").pop() ?? "";
        // The page reloads itself while provisioning; the action's final report makes it ready.
        await h1.filter({ hasText: "ready" }).waitFor({ timeout: 15_000 });
        expect(await visible(h1)).toBe(`Deployment ${deploymentId} ready`);
        const actions = await visible(section(page, "Integration actions"));
        expect(actions).toContain("branch cache succeeded");
        const deploymentEnv = section(page, "Environment variables");
        const branchUrl = deploymentEnv.locator("tr", { hasText: "CACHE_KV_REST_API_URL" });
        await branchUrl.locator("summary").click();
        // This deployment alone gets the branch's credentials (resource-secrets outcomes).
        expect(await visible(branchUrl.locator("details code"))).toBe(
          `${dev.partnerUrl}/kv/${resourceId}--${deploymentId}`,
        );
        await shot(page, "07-deployment-ready");
        await page.goto(projectUrl);
        expect(await visible(section(page, "Deployments"))).toContain(
          `${deploymentId} preview feature-login ready`,
        );

        // The timeline: every call the console made, newest first, secrets masked.
        await page.getByRole("link", { name: "Timeline" }).click();
        await page.waitForURL(/\/timeline$/);
        expect(await visible(h1)).toBe("Timeline");
        const calls = (await page.locator("summary").allInnerTexts()).map((text) => text.trim());
        const installation = `/v1/installations/${installationId}`;
        expect(calls).toEqual(
          expect.arrayContaining([
            `PUT ${installation}`,
            'GET /v1/products/acme-kv/plans?metadata={"region":"fra1","evictionPolicy":"noeviction","maxMemoryMb":[256]}',
            `POST ${installation}/resources`,
            `GET ${installation}/resources/${resourceId}`,
            "POST /webhooks deployment.integration.action.start",
            `GET /v13/deployments/${deploymentId}`,
            `PATCH /v1/deployments/${deploymentId}/integrations/${installationId}/resources/${resourceId}/actions/branch`,
          ]),
        );
        expect(calls.indexOf(`POST ${installation}/resources`)).toBeLessThan(
          calls.indexOf(`PUT ${installation}`),
        );
        const putRow = page.locator("tr", { hasText: `PUT ${installation}` });
        expect(await visible(putRow)).toMatch(/partner.*200/i);
        await putRow.locator("summary").click();
        expect(await visible(putRow.locator("pre").first())).toContain(`"access_token": "${MASK}"`);
        const html = await page.content();
        expect(html).not.toMatch(/vat_[\w-]{10}/);
        expect(html).not.toMatch(/akv_[\w-]{10}/);
        await shot(page, "08-timeline");

        // Back to the installation, and uninstall (deleting its resources).
        await page.getByRole("link", { name: "Integration" }).click();
        await page.waitForURL(`${dev.emulatorUrl}/`);
        const listed = await visible(section(page, "Installations"));
        expect(listed).toContain(`${installationId} team_emulator installed`);
        await page.getByRole("link", { name: installationId }).click();
        await page.waitForURL(/\/installations\/icfg_[0-9a-f]+$/);
        expect(await visible(section(page, "Resources"))).toContain("cache acme-kv Pro ready");
        const uninstall = section(page, "Uninstall");
        const cascade = uninstall.getByRole("checkbox", { name: "Delete all resources" });
        expect(await cascade.isChecked()).toBe(false);
        await cascade.check();
        // Nothing happens until the user confirms.
        await uninstall.getByRole("button", { name: "Uninstall integration" }).click();
        expect(await visible(h1)).toBe(`Installation ${installationId} installed`);
        await uninstall.getByRole("checkbox", { name: /Yes, uninstall/ }).check();
        await uninstall.getByRole("button", { name: "Uninstall integration" }).click();
        await h1.filter({ hasText: "uninstalled" }).waitFor();
        expect(await visible(h1)).toBe(`Installation ${installationId} uninstalled`);
        expect(await page.getByRole("heading", { name: "Create a resource" }).count()).toBe(0);
        expect(await page.getByRole("button", { name: "Uninstall integration" }).count()).toBe(0);
        expect(await visible(section(page, "Resources"))).toContain("No resources.");
        // Pro owes its month: the partner's jobs send the final invoices, then finalize.
        const result = section(page, "Uninstall result");
        expect(await visible(result)).toContain("not finalized: final invoices to follow");
        await result.getByText("called by the partner").waitFor({ timeout: 15_000 });
        expect(await visible(result)).toMatch(/Final invoices INV-\d{4}: \$[\d.]+/);
        await shot(page, "09-uninstalled");

        await page.goto(resourceUrl);
        expect(await visible(h1)).toBe("cache deleted");
        expect(await page.getByRole("button", { name: "Delete resource" }).count()).toBe(0);

        await page.goto(projectUrl);
        expect(await visible(section(page, "production"))).toContain("No variables.");

        await page.goto(`${dev.emulatorUrl}/timeline`);
        const after = (await page.locator("summary").allInnerTexts()).map((text) => text.trim());
        expect(after).toContain(`DELETE ${installation}`);
        expect(after.indexOf(`DELETE ${installation}`)).toBeLessThan(
          after.indexOf(`POST ${installation}/resources`),
        );
      }),
    60_000,
  );

  it.skipIf(!HAS_CHROMIUM)(
    "every console page fits 1280 px: nothing overflows sideways, no request answers 404",
    () =>
      drive(async (page, dev) => {
        const missing: string[] = [];
        page.on("response", (response) => {
          if (response.status() === 404 && !response.url().endsWith("/no-such-page")) {
            missing.push(response.url());
          }
        });
        /** Creates something through the emulator's control API; the id of `kind` in its answer. */
        const create = async (kind: string, path: string, body: unknown): Promise<string> => {
          const response = await fetch(`${dev.emulatorUrl}/__emulator${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          const answer = await response.text();
          expect(response.status, answer).toBe(201);
          return Identified.parse(ControlAnswer.parse(JSON.parse(answer))[kind]).id;
        };
        const installationId = await create("installation", "/installations", {});
        const resources = `/installations/${installationId}/resources`;
        const resourceId = await create("resource", resources, {
          productId: "acme-kv",
          name: "sessions",
          billingPlanId: "pro",
          project: "storefront",
          actions: ["branch"],
        });
        // A second resource on the project: the answer names the project too.
        const projectId = await create("project", resources, {
          productId: "acme-kv",
          name: "cache",
          billingPlanId: "free",
          project: "storefront",
        });
        const walletId = await create("resource", resources, {
          productId: "acme-kv",
          name: "wallet",
          billingPlanId: "credits",
        });
        const deploymentId = await create("deployment", "/deployments", {
          project: "storefront",
          ref: "feature-checkout-with-a-rather-long-branch-name",
        });
        for (const tamper of [undefined, "body"]) {
          await fetch(`${dev.emulatorUrl}/__emulator/webhooks`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              type: "marketplace.member.changed",
              installationId,
              tamper,
            }),
          });
        }
        const resourcePath = `/installations/${installationId}/resources/${resourceId}`;

        // A REPL session, so the resource page shows its commands and a history.
        await page.goto(`${dev.emulatorUrl}${resourcePath}`);
        const repl = section(page, "REPL");
        expect(await visible(repl.locator("[data-repl-commands]"))).toContain("set <key> <value>");
        await repl.getByRole("checkbox", { name: "Read-only" }).uncheck();
        for (const input of ['set cart:42 "3 items, 1 coupon"', "keys", "help"]) {
          await repl.getByLabel("Command").fill(input);
          await repl.getByRole("button", { name: "Run" }).click();
          await page.waitForURL(/#repl$/);
        }
        expect(await repl.locator("[data-repl-output]").count()).toBe(3);

        // Credits: the balance shows at once, before the partner's next billing run.
        const billingPath = `/installations/${installationId}/billing`;
        await page.goto(`${dev.emulatorUrl}${billingPath}`);
        await page.getByLabel("Buy credits for").selectOption({ label: "wallet" });
        await page.getByRole("button", { name: "Pay and provision the purchase" }).click();
        await page.waitForURL(/notice=/);
        expect(await visible(section(page, "Prepaid balances"))).toContain("wallet");
        // The partner reports usage every few seconds: wait for a chart of each unit.
        for (let attempt = 0; attempt < 30; attempt++) {
          if ((await page.locator("[data-usage-chart]").count()) >= 2) break;
          await page.waitForTimeout(1000);
          await page.reload();
        }
        expect(await page.locator("[data-usage-chart]").count()).toBe(2);

        const pages: [name: string, path: string][] = [
          ["integration", "/"],
          ["installation", `/installations/${installationId}`],
          ["resource", resourcePath],
          ["projects", "/projects"],
          ["project", `/projects/${projectId}`],
          ["deployments", "/deployments"],
          ["deployment", `/deployments/${deploymentId}`],
          ["timeline", "/timeline"],
          ["timeline-filtered", `/timeline?direction=webhook&installationId=${installationId}`],
          ["webhooks", "/webhooks"],
          ["billing-index", "/billing"],
          ["billing", billingPath],
          ["wallet", `/installations/${installationId}/resources/${walletId}`],
          ["not-found", "/no-such-page"],
        ];
        const overflowing: string[] = [];
        for (const [name, path] of pages) {
          await page.goto(`${dev.emulatorUrl}${path}`);
          await shot(page, `layout-${name}`);
          if (DOCUMENTED.has(name) && process.env.UPDATE_SCREENSHOTS === "1") {
            await page.screenshot({ path: join(DOCS_SCREENSHOTS_DIR, `console-${name}.png`) });
          }
          await openAllDetails(page);
          for (const problem of await horizontalOverflow(page)) {
            overflowing.push(`${path}: ${problem}`);
          }
        }
        expect(overflowing).toEqual([]);
        expect(missing).toEqual([]);

        // The timeline's last columns are on screen, and statuses are coloured by class.
        await page.goto(`${dev.emulatorUrl}/timeline?status=4xx&direction=webhook`);
        const refused = page.locator("[data-timeline] tr").nth(1);
        expect(await visible(refused)).toMatch(
          /webhook POST \/webhooks marketplace\.member\.changed 401 [\d.]+$/,
        );
        const badge = refused.locator(".status");
        expect(await badge.getAttribute("class")).toBe("status client-error");
        const box = await badge.boundingBox();
        expect((box?.x ?? Infinity) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
      }),
    90_000,
  );
});
