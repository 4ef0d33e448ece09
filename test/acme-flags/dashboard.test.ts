/**
 * Acme Flags in the provider dashboard: an SSO sign-in with `experimentation_item_id` lands on the
 * flag's page (only the installation's own), which shows what it serves, and an ADMIN turns it
 * off there through the same change as the API's.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  csrfOf,
  type DashboardMarket,
  dashboardMarket,
  PUBLIC_URL,
  provisionKv,
  vercelSecret,
} from "../sso/dashboard-support.ts";
import { MARKETPLACE_URL, TestBrowser } from "../sso/support.ts";
import { provisionFlags } from "./support.ts";

let market: DashboardMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

interface ListedFlag {
  id: string;
  key: string;
  enabled: boolean;
}

/** The resource's flags, read through its API. */
async function flagsOf(resourceId: string): Promise<ListedFlag[]> {
  if (!market) throw new Error("no market");
  const token = vercelSecret(market.emulator, resourceId, "ACME_FLAGS_TOKEN");
  const response = await market.partnerkit.fetch(
    new Request(`${PUBLIC_URL}/flags/${resourceId}/flags`, {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  return ((await response.json()) as { flags: ListedFlag[] }).flags;
}

/**
 * "Open in provider" of an item in Vercel's Flags UI: the console's sign-in link for the item,
 * which hands the partner `experimentation_item_id`. Returns where the partner sent the browser.
 */
async function openItem(installationId: string, itemId: string) {
  if (!market) throw new Error("no market");
  const { emulator, partnerkit } = market;
  const authorize = await emulator.fetch(
    new Request(`${MARKETPLACE_URL}/sso/open?installation=${installationId}&item=${itemId}`),
  );
  const redirect = new URL(authorize.headers.get("location") ?? "");
  expect(redirect.searchParams.get("experimentation_item_id")).toBe(itemId);
  const browser = new TestBrowser({ [PUBLIC_URL]: (request) => partnerkit.fetch(request) });
  const landed = await browser.open(redirect.toString());
  const location = landed.hops[0]?.headers.find(([name]) => name === "location")?.[1];
  return { location, landed };
}

describe("Acme Flags' dashboard pages", () => {
  it("lands an item's sign-in on its flag page, and another installation's item on the home page", async () => {
    market = await dashboardMarket();
    const a = await market.emulator.partner.install();
    const b = await market.emulator.partner.install();
    const ours = await provisionFlags(market.emulator, a.id);
    const theirs = await provisionFlags(market.emulator, b.id);
    const [flag] = await flagsOf(ours.id);
    const [foreign] = await flagsOf(theirs.id);

    const own = await openItem(a.id, flag?.id ?? "");
    expect(own.location).toBe(`/dashboard/resources/${ours.id}/flags/${flag?.id}`);
    expect(own.landed.status).toBe(200);
    expect(own.landed.body).toContain("welcome-banner");
    expect(own.landed.body).toContain("50% of entities");

    for (const itemId of [foreign?.id ?? "", "flag_unknown"]) {
      const elsewhere = await openItem(a.id, itemId);
      expect(elsewhere.location, itemId).toBe("/dashboard");
      expect(elsewhere.landed.body).not.toContain(theirs.id);
    }
  });

  it("shows each product's own tab, and lets only an ADMIN turn a flag off", async () => {
    market = await dashboardMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionFlags(market.emulator, id);
    const store = await provisionKv(market.emulator, id, "cache");
    const [flag] = await flagsOf(resource.id);
    const page = `/dashboard/resources/${resource.id}/flags/${flag?.id}`;

    const viewer = await market.signIn(id, "USER");
    const detail = await viewer.open(`/dashboard/resources/${resource.id}`);
    expect(detail.body).toContain(`href="/dashboard/resources/${resource.id}/flags">Flags</a>`);
    expect(detail.body).not.toContain(">Keys</a>");
    const kvDetail = await viewer.open(`/dashboard/resources/${store.id}`);
    expect(kvDetail.body).toContain(">Keys</a>");
    expect(kvDetail.body).not.toContain(">Flags</a>");
    const list = await viewer.open(`/dashboard/resources/${resource.id}/flags`);
    expect(list.body).toContain(`href="${page}"`);

    const seen = await viewer.open(page);
    expect(seen.body).not.toContain("Turn off");
    const refused = await viewer.post(`${page}/toggle`, { enabled: "false", _csrf: "x" });
    expect(refused.status).toBe(403);
    expect((await flagsOf(resource.id))[0]?.enabled).toBe(true);
    expect((await viewer.open(`/dashboard/resources/${store.id}/flags/${flag?.id}`)).status).toBe(
      404,
    );

    const admin = await market.signIn(id, "ADMIN");
    const form = await admin.open(page);
    expect(form.body).toContain("Turn off");
    const toggled = await admin.post(`${page}/toggle`, {
      enabled: "false",
      _csrf: csrfOf(form.body),
    });
    expect(toggled.status).toBe(303);
    expect(toggled.location).toBe(page);
    expect((await flagsOf(resource.id))[0]?.enabled).toBe(false);
    expect((await admin.open(page)).body).toContain("Turn on");
    const bad = await admin.post(`${page}/toggle`, { enabled: "maybe", _csrf: csrfOf(form.body) });
    expect(bad.status).toBe(400);

    // The change went the API's way: Vercel is told the flag, now under its item id.
    market.internals.jobs.start();
    await vi.waitFor(
      () => {
        const told = market?.emulator
          .calls({ direction: "partner→vercel" })
          .some(
            (call) =>
              call.url.includes(`/resources/${resource.id}/experimentation/items`) &&
              JSON.stringify(call.requestBody).includes(flag?.id ?? "?"),
          );
        expect(told).toBe(true);
      },
      { timeout: 10_000, interval: 50 },
    );
  });
});
