/**
 * `defineIntegration({ dashboard })`: the provider's pages behind the SSO session, reached through
 * the real flow (console link → /sso → cookie), with the session, installation and Vercel typed
 * on `c.get("dashboard")`, scoped to the session's installation, and writes guarded by role and CSRF.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { afterEach, describe, expect, it } from "vitest";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import {
  type DashboardEnv,
  defineIntegration,
  type IntegrationSetup,
} from "../../packages/partnerkit/src/index.ts";
import { type DashboardMarket, dashboardMarket, provisionKv } from "./dashboard-support.ts";

let market: DashboardMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

/** Acme KV with a provider dashboard that shows what it is given. */
async function withProviderPages(setup: IntegrationSetup) {
  const base = await acmeKv(setup);
  const writes: string[] = [];
  return Object.assign(
    defineIntegration({
      products: base.products,
      routes: base.routes,
      dashboard: {
        resourceLinks: [{ label: "Echo", path: "echo" }],
        routes: () => {
          const pages = new Hono<DashboardEnv>();
          pages.get("/whoami", async (c) => {
            const { session, installation, canWrite, vercel } = c.get("dashboard");
            return c.json({
              userId: session.userId,
              role: session.role,
              installationId: installation.id,
              canWrite,
              vercelInstallation: vercel.installationId,
            });
          });
          pages.get("/resources/:id/echo", async (c) => {
            const dashboard = c.get("dashboard");
            const resource = await dashboard.resource(c.req.param("id"));
            return dashboard.page(
              resource.name,
              html`<h1>${resource.name}</h1><form method="post">${dashboard.csrfField}</form>`,
            );
          });
          pages.post("/resources/:id/echo", async (c) => {
            const dashboard = c.get("dashboard");
            const resource = await dashboard.resource(c.req.param("id"));
            writes.push(resource.id);
            return c.text("written");
          });
          // Overlaps a default page: the provider's wins.
          pages.get("/billing", (c) => c.get("dashboard").page("Ours", html`<h1>Our billing</h1>`));
          return pages;
        },
      },
    }),
    { writes },
  );
}

describe("the provider dashboard hook", () => {
  it("gives the provider's routes the session, its installation and Vercel, and nothing of another installation", async () => {
    let writes: string[] = [];
    market = await dashboardMarket(async (setup) => {
      const integration = await withProviderPages(setup);
      writes = integration.writes;
      return integration;
    });
    const mine = await market.emulator.partner.install();
    const theirs = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, mine.id, "orders-cache");
    const foreign = await provisionKv(market.emulator, theirs.id, "their-store");
    const admin = await market.signIn(mine.id);

    const who = await admin.open("/dashboard/whoami");
    expect(who.status).toBe(200);
    const installation = market.emulator.state.installations.get(mine.id);
    expect(JSON.parse(who.body)).toEqual({
      userId: installation?.userId,
      role: "ADMIN",
      installationId: mine.id,
      canWrite: true,
      vercelInstallation: mine.id,
    });

    const echo = await admin.open(`/dashboard/resources/${resource.id}/echo`);
    expect(echo.status).toBe(200);
    expect(echo.body).toContain("<h1>orders-cache</h1>");
    // In the dashboard's layout: the account bar and sign-out come with it.
    expect(echo.body).toContain("Sign out");
    // The default resource page links the provider's page.
    const detail = await admin.open(`/dashboard/resources/${resource.id}`);
    expect(detail.body).toContain(`href="/dashboard/resources/${resource.id}/echo">Echo</a>`);

    const other = await admin.open(`/dashboard/resources/${foreign.id}/echo`);
    expect(other.status).toBe(403);
    expect(other.body).toContain("Not part of this installation");
    expect(other.body).not.toContain("their-store");
    const missing = await admin.open("/dashboard/resources/res_nope/echo");
    expect(missing.status).toBe(403);

    const token = /name="_csrf" value="([^"]+)"/.exec(echo.body)?.[1] ?? "";
    const foreignWrite = await admin.post(`/dashboard/resources/${foreign.id}/echo`, {
      _csrf: token,
    });
    expect(foreignWrite.status).toBe(403);
    expect(writes).toEqual([]);
    const write = await admin.post(`/dashboard/resources/${resource.id}/echo`, { _csrf: token });
    expect(write.status).toBe(200);
    expect(writes).toEqual([resource.id]);

    const billing = await admin.open("/dashboard/billing");
    expect(billing.body).toContain("Our billing");
  });

  it("refuses writes without the session's CSRF token before the provider's handler runs", async () => {
    let writes: string[] = [];
    market = await dashboardMarket(async (setup) => {
      const integration = await withProviderPages(setup);
      writes = integration.writes;
      return integration;
    });
    const { id } = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, id, "orders-cache");
    const admin = await market.signIn(id);
    const other = await market.signIn(id);
    const path = `/dashboard/resources/${resource.id}/echo`;
    const otherToken = /name="_csrf" value="([^"]+)"/.exec((await other.open(path)).body)?.[1];

    for (const fields of [{}, { _csrf: "forged" }, { _csrf: otherToken ?? "" }] as Record<
      string,
      string
    >[]) {
      const refused = await admin.post(path, fields);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain("This form has expired");
    }
    expect(writes).toEqual([]);
    expect(market.logLines.join("\n")).toContain('"reason":"csrf"');
  });

  it("refuses every write of a USER session with 403, whatever it carries", async () => {
    let writes: string[] = [];
    market = await dashboardMarket(async (setup) => {
      const integration = await withProviderPages(setup);
      writes = integration.writes;
      return integration;
    });
    const { id } = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, id, "orders-cache");
    const viewer = await market.signIn(id, "USER");
    const who = JSON.parse((await viewer.open("/dashboard/whoami")).body);
    expect(who).toMatchObject({ role: "USER", canWrite: false, userId: "user_viewer" });
    const page = await viewer.open(`/dashboard/resources/${resource.id}/echo`);
    expect(page.status).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
    const refused = await viewer.post(`/dashboard/resources/${resource.id}/echo`, {
      _csrf: token,
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("You can look, not change");
    expect(writes).toEqual([]);
  });
});
