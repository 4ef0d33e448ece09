/**
 * Acme KV's key browser in the provider dashboard: list with a prefix filter and pages, read a
 * value, and for an ADMIN set and delete keys — only in the session's installation's stores.
 */
import { afterEach, describe, expect, it } from "vitest";
import { KEYS_PER_PAGE } from "../../examples/acme-kv/src/dashboard.ts";
import {
  csrfOf,
  type DashboardMarket,
  dashboardMarket,
  PUBLIC_URL,
  provisionKv,
  vercelSecret,
} from "./dashboard-support.ts";

let market: DashboardMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

/** Writes a key through the data plane, as an application with the store's token does. */
async function put(resourceId: string, key: string, value: string) {
  if (!market) throw new Error("no market");
  const token = vercelSecret(market.emulator, resourceId, "KV_REST_API_TOKEN");
  const response = await market.partnerkit.fetch(
    new Request(`${PUBLIC_URL}/kv/${resourceId}/${encodeURIComponent(key)}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: value,
    }),
  );
  expect(response.status).toBe(204);
}

/** The keys listed on a key browser page. */
const listed = (body: string) =>
  [...body.matchAll(/<a href="[^"]*\/keys\/view\?key=[^"]*"><code>([^<]*)<\/code><\/a>/g)].map(
    (match) => match[1],
  );

describe("the Acme KV key browser", () => {
  it("lists, filters and pages keys, and shows a value", async () => {
    market = await dashboardMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, id, "sessions");
    const users = Array.from(
      { length: KEYS_PER_PAGE + 3 },
      (_, i) => `user:${String(i).padStart(3, "0")}`,
    );
    for (const key of users) await put(resource.id, key, `{"name":"n${key}"}`);
    await put(resource.id, "config", "<b>bold</b>");
    const viewer = await market.signIn(id, "USER");

    const detail = await viewer.open(`/dashboard/resources/${resource.id}`);
    expect(detail.body).toContain(`href="/dashboard/resources/${resource.id}/keys">Keys</a>`);

    const first = await viewer.open(`/dashboard/resources/${resource.id}/keys?prefix=user%3A`);
    expect(first.status).toBe(200);
    expect(listed(first.body)).toEqual(users.slice(0, KEYS_PER_PAGE));
    expect(first.body).toContain(`${users.length} keys with this prefix`);
    const next = /href="([^"]+)">Next page<\/a>/.exec(first.body)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBeDefined();
    const second = await viewer.open(next ?? "");
    expect(listed(second.body)).toEqual(users.slice(KEYS_PER_PAGE));
    expect(second.body).not.toContain("Next page");

    const all = await viewer.open(`/dashboard/resources/${resource.id}/keys`);
    expect(listed(all.body)[0]).toBe("config");

    const value = await viewer.open(`/dashboard/resources/${resource.id}/keys/view?key=config`);
    expect(value.status).toBe(200);
    expect(value.body).toContain("&lt;b&gt;bold&lt;/b&gt;");
    const none = await viewer.open(`/dashboard/resources/${resource.id}/keys/view?key=nope`);
    expect(none.status).toBe(404);

    // A viewer gets no forms, and their writes change nothing.
    expect(all.body).not.toContain("Set a key");
    expect(all.body).not.toContain(">Delete</button>");
    const set = await viewer.post(`/dashboard/resources/${resource.id}/keys`, {
      key: "config",
      value: "changed",
    });
    expect(set.status).toBe(403);
    const deleted = await viewer.post(`/dashboard/resources/${resource.id}/keys/delete`, {
      key: "config",
    });
    expect(deleted.status).toBe(403);
    const still = await viewer.open(`/dashboard/resources/${resource.id}/keys/view?key=config`);
    expect(still.body).toContain("&lt;b&gt;bold&lt;/b&gt;");
  });

  it("lets an ADMIN set and delete keys, in their own installation's stores only", async () => {
    market = await dashboardMarket();
    const mine = await market.emulator.partner.install();
    const theirs = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, mine.id, "sessions");
    const foreign = await provisionKv(market.emulator, theirs.id, "their-store");
    await put(foreign.id, "secret-plan", "world domination");
    const admin = await market.signIn(mine.id);
    const base = `/dashboard/resources/${resource.id}/keys`;

    const page = await admin.open(base);
    expect(page.body).toContain("This store is empty.");
    const token = csrfOf(page.body);
    const set = await admin.post(base, { _csrf: token, key: "greeting", value: "hello" });
    expect(set.status).toBe(303);
    expect(set.location).toBe(`${base}/view?key=greeting`);
    expect((await admin.open(set.location ?? "")).body).toContain("hello");
    expect(listed((await admin.open(base)).body)).toEqual(["greeting"]);

    const removed = await admin.post(`${base}/delete`, { _csrf: token, key: "greeting" });
    expect(removed.status).toBe(303);
    expect(listed((await admin.open(base)).body)).toEqual([]);

    const foreignBase = `/dashboard/resources/${foreign.id}/keys`;
    expect((await admin.open(foreignBase)).status).toBe(403);
    expect((await admin.open(`${foreignBase}/view?key=secret-plan`)).status).toBe(403);
    const foreignSet = await admin.post(foreignBase, { _csrf: token, key: "x", value: "y" });
    expect(foreignSet.status).toBe(403);
    const foreignDelete = await admin.post(`${foreignBase}/delete`, {
      _csrf: token,
      key: "secret-plan",
    });
    expect(foreignDelete.status).toBe(403);
    const owner = await market.signIn(theirs.id);
    const theirPage = await owner.open(foreignBase);
    expect(listed(theirPage.body)).toEqual(["secret-plan"]);
  });
});
