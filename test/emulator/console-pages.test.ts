import { afterEach, describe, expect, it } from "vitest";
import {
  matchesFilter,
  type TimelineFilter,
} from "../../packages/partnerkit/src/emulator/console/timeline-filter.ts";
import { timelinePage } from "../../packages/partnerkit/src/emulator/console/timeline-page.ts";
import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import type { RecordedCall } from "../../packages/partnerkit/src/emulator/recorder.ts";
import { type BillingWorld, billingWorld } from "../billing/billing-world.ts";
import { postForm } from "../support/forms.ts";
import { TEST_CLIENT_ID, TEST_ISSUER } from "../support/issuer.ts";
import { emulatedMarketplace, installWithKv, type Marketplace } from "../support/marketplace.ts";
import { PUBLIC_URL } from "../support/partner-app.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function marketplace(): Promise<Marketplace> {
  const market = await emulatedMarketplace();
  closers.push(() => market.close());
  return market;
}

async function billing(start: string): Promise<BillingWorld> {
  const world = await billingWorld({ start });
  closers.push(() => world.close());
  return world;
}

const text = async (market: { emulator: Marketplace["emulator"] }, path: string) =>
  (await market.emulator.app.request(path)).text();

/** The rows of the timeline's table, without its header. */
const timelineRows = (page: string) =>
  (page.split("data-timeline")[1] ?? "").split("<tr>").slice(2);

describe("console: timeline", () => {
  it("colours statuses by class, names webhook events and filters by direction, installation, status and text", async () => {
    const market = await marketplace();
    const { installation } = await installWithKv(market.emulator);
    const payload = JSON.stringify({
      installationId: installation.id,
      memberId: "u1",
      role: "USER",
    });
    for (const tamper of ["", "signature"]) {
      await market.emulator.app.request(
        "/webhooks",
        postForm({ type: "marketplace.member.changed", payload, tamper }),
      );
    }

    const all = await text(market, "/timeline");
    expect(all).toContain('<span class="status ok">200</span>');
    expect(all).toContain('<span class="status client-error">401</span>');
    expect(all).toMatch(
      /<code>POST \/webhooks<\/code> <strong data-event-type>marketplace\.member\.changed<\/strong>/,
    );
    expect(all).toContain('table style="table-layout:fixed"');

    const webhooks = timelineRows(await text(market, "/timeline?direction=webhook"));
    expect(webhooks).toHaveLength(2);
    expect(webhooks.every((row) => row.includes("<td>webhook</td>"))).toBe(true);
    const refused = timelineRows(await text(market, "/timeline?status=4xx"));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain("401");
    const provisions = timelineRows(await text(market, "/timeline?text=metadata"));
    expect(provisions.length).toBeGreaterThan(0);
    expect(provisions.every((row) => row.includes("/resources"))).toBe(true);
    const other = timelineRows(await text(market, "/timeline?installationId=icfg_other"));
    expect(other).toHaveLength(0);
    const mine = await text(
      market,
      `/timeline?installationId=${installation.id}&direction=webhook`,
    );
    expect(mine).toContain(`<option value="${installation.id}" selected>`);
    expect(timelineRows(mine)).toHaveLength(2);
  });

  it("shows the warnings of an accepted call on its row, and finds them by text", () => {
    const call: RecordedCall = {
      id: 1,
      at: "2030-03-02T10:00:00.000Z",
      direction: "partner→vercel",
      method: "PATCH",
      url: "https://vercel.test/v1/installations/icfg_1",
      status: 204,
      durationMs: 1.2,
      warnings: ["unknown field `staus` ignored"],
    };
    const row = (filter: TimelineFilter) =>
      String(
        timelinePage({
          calls: [call].filter((c) => matchesFilter(c, filter)),
          filter,
          installations: [],
        }),
      );
    expect(row({})).toContain(
      '<div class="warning" data-warning>⚠ unknown field `staus` ignored</div>',
    );
    expect(row({ text: "staus" })).toContain("data-warning");
    expect(row({ text: "nothing-like-it" })).not.toContain("data-warning");
  });
});

describe("console: navigation and names", () => {
  it("lists projects and deployments under their names, and names resources instead of ids", async () => {
    const market = await marketplace();
    const { installation, resource } = await installWithKv(market.emulator);
    const connect = await market.emulator.app.request(
      `/installations/${installation.id}/resources/${resource.id}/connect`,
      postForm({ project: "web", environments: ["preview"], actions: "branch" }),
    );
    const projectId = connect.headers.get("location")?.split("?")[0]?.split("/").pop() ?? "";
    const deployment = await market.emulator.deployments.deploy(projectId, { ref: "feature-x" });
    await market.emulator.deployments.waitUntilSettled(deployment.id, 10_000);

    const home = await text(market, "/");
    expect(home).toContain('<a href="/projects">Projects</a>');
    expect(home).toContain('<a href="/deployments">Deployments</a>');

    const projects = await text(market, "/projects");
    expect(projects).toContain(`<a href="/projects/${projectId}">web</a>`);
    expect(projects).toContain(`title="${resource.id}">main-db</a>`);

    const deployments = await text(market, "/deployments");
    expect(deployments).toContain(`<a href="/deployments/${deployment.id}">`);
    expect(deployments).toContain(`<a href="/projects/${projectId}">web</a>`);
    expect(deployments).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);

    const deploymentPage = await text(market, `/deployments/${deployment.id}`);
    expect(deploymentPage).toContain(`<a href="/projects/${projectId}">web</a>`);
    expect(deploymentPage).toContain(">main-db</a>");
    expect(deploymentPage).not.toContain(`>${projectId}<`);
    expect(deploymentPage).not.toContain(`>${resource.id}<`);

    const projectPage = await text(market, `/projects/${projectId}`);
    expect(projectPage).toContain(">main-db</a>");
    expect(projectPage).not.toContain(`<code>${resource.id}</code>`);
  });

  it("answers unknown console paths with an HTML 404 page and serves a favicon", async () => {
    const market = await marketplace();
    const missing = await market.emulator.app.request("/no/such/page");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("text/html");
    const body = await missing.text();
    expect(body).toContain("<h1>Not found</h1>");
    expect(body).toContain("<code>/no/such/page</code>");
    expect(body).toContain('<a href="/timeline">Timeline</a>');
    // The Vercel API fake keeps answering its unknown paths as JSON.
    const api = await market.emulator.app.request("/v1/installations/icfg_x/nothing");
    expect(api.headers.get("content-type")).toContain("application/json");

    expect(await text(market, "/")).toContain('<link rel="icon" type="image/svg+xml" href="data:');
    const icon = await market.emulator.app.request("/favicon.ico");
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
  });
});

describe("console: a foreign partner's error page", () => {
  it("shows its status and a short escaped text excerpt, never its markup", async () => {
    const errorPage = `<!DOCTYPE html><html><head><title>502</title><style>body{color:red}</style>
      <script>alert("x")</script></head><body><h1>Bad gateway</h1><p>${"upstream down. ".repeat(40)}</p></body></html>`;
    const emulator = await createEmulator({
      url: TEST_ISSUER,
      partnerUrl: PUBLIC_URL,
      clientId: TEST_CLIENT_ID,
      clientSecret: "secret",
      partnerFetch: async () =>
        new Response(errorPage, { status: 502, headers: { "content-type": "text/html" } }),
    });
    const refused = await emulator.app.request("/console/install", { method: "POST" });
    expect(refused.status).toBe(502);
    const body = await refused.text();
    expect(body).toContain("Upsert Installation answered 502");
    expect(body).toContain("The body was an HTML page of");
    expect(body).toContain("<blockquote>502 Bad gateway upstream down.");
    expect(body).toContain("…</blockquote>");
    expect(body).not.toContain("Bad gateway</h1>");
    expect(body).not.toContain("&lt;h1&gt;");
    expect(body).not.toContain("alert(");
  });
});

describe("console: billing", () => {
  it("charts each unit on its own axis with readable dates and names, and shows balances right after a purchase", async () => {
    const world = await billing("2030-03-02T10:00:00.000Z");
    const pro = await world.provision("pro", "cache");
    const credits = await world.provision("credits", "prepaid");
    for (const day of ["2030-03-10", "2030-03-20"]) {
      await world.partner.services.billing.meter(pro.id, "requests", 200_000);
      world.setTime(`${day}T12:00:00.000Z`);
      await world.tick();
    }
    const path = `/installations/${world.installation.id}/billing`;
    const page = await text(world, path);
    expect(page).toContain('data-usage-chart="requests"');
    expect(page).toContain('data-usage-chart="bytes"');
    expect(page).toContain("cache · Requests");
    expect(page).not.toContain(`${pro.id} ·`);
    expect(page).toContain("Mar 10, 12:00");
    expect(page).toContain("Mar 20, 12:00 UTC");
    expect(page).not.toMatch(/>\d{4}-\d{2}-\d{2}T/);
    // The period so far, from the partner's latest billing data.
    expect(page).toContain("<h2>Current period</h2>");
    expect(page).toContain("data-period-items");
    expect(page).toContain("Total so far");

    const bought = await world.emulator.app.request(
      `${path}/credits`,
      postForm({ resourceId: credits.id, amount: "15.00" }),
    );
    expect(bought.status).toBe(303);
    const after = await text(world, bought.headers.get("location") ?? "");
    expect(after).not.toContain("No balances");
    expect(after).toContain("<td>prepaid</td>");
    expect(after).toContain("15.00 USD");
    expect(after).toContain("from the answer to the credit purchase");

    // The period closes: the partner's invoice appears under Invoices.
    world.setTime("2030-04-01T00:30:00.000Z");
    await world.tick();
    const closed = await text(world, path);
    expect(closed).toContain("2030-03-01 → 2030-04-01");
  });
});

describe("console: uninstall", () => {
  it("asks for confirmation, keeps resources unless asked, and shows the finalization on the page", async () => {
    const world = await billing("2030-03-02T10:00:00.000Z");
    const pro = await world.provision("pro", "cache");
    await world.partner.services.billing.meter(pro.id, "requests", 200_000);
    const path = `/installations/${world.installation.id}`;
    const page = await text(world, path);
    expect(page).toContain('<input type="checkbox" name="cascade" value="true" />');
    expect(page).toContain('name="confirm" value="yes" required');

    const unconfirmed = await world.emulator.app.request(`${path}/uninstall`, postForm({}));
    expect(unconfirmed.status).toBe(400);
    expect(world.emulator.state.installations.get(world.installation.id)?.status).toBe("installed");

    const done = await world.emulator.app.request(
      `${path}/uninstall`,
      postForm({ confirm: "yes", cascade: "true" }),
    );
    expect(done.status).toBe(303);
    const pending = await text(world, path);
    expect(pending).toContain("<h2>Uninstall result</h2>");
    expect(pending).toContain("not finalized: final invoices to follow");
    expect(pending).toContain("deleted with the installation");
    expect(pending).toContain('<span class="status pending">pending</span> not called yet');
    expect(pending).toContain('<meta http-equiv="refresh" content="2"');

    await world.partner.jobs.drain();
    const finalized = await text(world, path);
    expect(finalized).toMatch(/INV-\d{4}: \$[\d.]+ \(invoiced\)/);
    expect(finalized).toContain(
      '<span class="status succeeded">succeeded</span> called by the partner',
    );
    expect(finalized).not.toContain('http-equiv="refresh"');
  });
});
