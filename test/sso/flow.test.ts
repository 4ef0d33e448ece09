/**
 * "Open in provider" end to end, in-process: the emulator's console link → its authorize step →
 * the partner's Redirect Login URL → the code exchange with the emulator's Vercel API → our own
 * session cookie → the resource's dashboard page.
 */
import { afterEach, describe, expect, it } from "vitest";
import { installWithKv } from "../support/marketplace.ts";
import { linkHref, MARKETPLACE_URL, parseSetCookie, type SsoMarket, ssoMarket } from "./support.ts";

let market: SsoMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

describe("SSO from the emulator's console to the partner's dashboard", () => {
  it("lands on the resource page with its name and masked secrets, and never shows the id_token", async () => {
    market = await ssoMarket();
    const { installation, resource } = await installWithKv(market.emulator);
    const browser = market.browser();

    const consolePage = await browser.open(
      `${MARKETPLACE_URL}/installations/${installation.id}/resources/${resource.id}`,
    );
    expect(consolePage.status).toBe(200);
    const landed = await browser.open(
      linkHref(consolePage.body, "Open in provider", MARKETPLACE_URL),
    );

    // console authorize → partner /sso → dashboard resource page
    expect(landed.hops.map((hop) => [new URL(hop.url).pathname, hop.status])).toEqual([
      ["/sso/open", 302],
      ["/sso", 303],
      [`/dashboard/resources/${resource.id}`, 200],
    ]);
    const sso = landed.hops[1];
    expect(new URL(sso?.url ?? "").searchParams.get("mode")).toBe("sso");
    expect(new URL(sso?.url ?? "").searchParams.get("resource_id")).toBe(resource.id);
    expect(landed.body).toContain("main-db");
    expect(landed.body).toContain("KV_REST_API_URL");
    expect(landed.body).toContain("KV_REST_API_TOKEN");
    expect(landed.body).toContain("••••••••");
    for (const secret of market.emulator.state.resources.get(resource.id)?.secrets ?? []) {
      expect(landed.body).not.toContain(secret.value);
    }

    // The exchange: one JSON code grant with the state Vercel sent and the client credentials.
    expect(market.exchanges).toHaveLength(1);
    const exchange = market.exchanges[0];
    expect(exchange?.contentType).toBe("application/json");
    const grant = JSON.parse(exchange?.body ?? "{}");
    expect(grant).toMatchObject({
      grant_type: "authorization_code",
      code: new URL(sso?.url ?? "").searchParams.get("code"),
      state: new URL(sso?.url ?? "").searchParams.get("state"),
      client_id: "oac_sso_test",
      client_secret: market.clientSecret,
    });

    // The id_token stays on the server: not in any body, header or cookie, nor in the logs.
    const idToken = exchange?.idToken ?? "";
    expect(idToken.split(".")).toHaveLength(3);
    const idTokenPayload = idToken.split(".")[1] ?? "";
    for (const hop of browser.history) {
      expect(hop.body).not.toContain(idTokenPayload);
      for (const [, value] of hop.headers) expect(value).not.toContain(idTokenPayload);
    }
    const logs = market.logLines.join("\n");
    expect(logs).toContain('"sso":"signed_in"');
    expect(logs).not.toContain(idTokenPayload);
    expect(logs).not.toContain(grant.code);
    expect(logs).not.toContain(browser.cookies.get("pk_session"));

    // The session cookie: ours, HttpOnly, Lax, one hour, not Secure on an http PUBLIC_URL.
    const [line] = sso?.setCookies ?? [];
    const cookie = parseSetCookie(line ?? "");
    expect(cookie.name).toBe("pk_session");
    expect(cookie.attributes.has("httponly")).toBe(true);
    expect(cookie.attributes.get("samesite")).toBe("Lax");
    expect(cookie.attributes.get("path")).toBe("/");
    expect(cookie.attributes.get("max-age")).toBe("3600");
    expect(cookie.attributes.has("secure")).toBe(false);
  });

  it("accepts a code once: the same sign-in link again is a 400 page without a cookie", async () => {
    market = await ssoMarket();
    const { installation } = await installWithKv(market.emulator);
    const first = await market
      .browser()
      .open(`${MARKETPLACE_URL}/sso/open?installation=${installation.id}`);
    expect(first.status).toBe(200);
    const signIn = first.hops[1]?.url ?? "";

    const replay = await market.browser().open(signIn);
    expect(replay.status).toBe(400);
    expect(replay.setCookies).toEqual([]);
    expect(replay.body).toContain("This sign-in link has expired");
    expect(replay.headers).toContainEqual(["content-type", "text/html; charset=UTF-8"]);
  });

  it("offers Open in provider on the installation page, landing on the dashboard with the resource by name", async () => {
    market = await ssoMarket();
    const { installation, resource } = await installWithKv(market.emulator);
    const browser = market.browser();
    const consolePage = await browser.open(`${MARKETPLACE_URL}/installations/${installation.id}`);
    const landed = await browser.open(
      linkHref(consolePage.body, "Open in provider", MARKETPLACE_URL),
    );
    expect(new URL(landed.url).pathname).toBe("/dashboard");
    expect(landed.status).toBe(200);
    expect(landed.body).toContain("main-db");
    expect(landed.body).toContain(`href="/dashboard/resources/${resource.id}"`);
    expect(landed.body).toContain("Free");
  });

  it("lands Manage secrets on the resource's secrets", async () => {
    market = await ssoMarket();
    const { installation, resource } = await installWithKv(market.emulator);
    const browser = market.browser();
    const consolePage = await browser.open(
      `${MARKETPLACE_URL}/installations/${installation.id}/resources/${resource.id}`,
    );
    const landed = await browser.open(
      linkHref(consolePage.body, "Manage secrets", MARKETPLACE_URL),
    );
    expect(new URL(landed.hops[1]?.url ?? "").searchParams.get("path")).toBe("secrets");
    const location = landed.hops[1]?.headers.find(([name]) => name === "location")?.[1];
    expect(location).toBe(`/dashboard/resources/${resource.id}#secrets`);
    expect(landed.body).toContain('id="secrets"');
  });

  it("serves the Redirect Login URL on PARTNERKIT_SSO_PATH, and signs out under it", async () => {
    market = await ssoMarket({ ssoPath: "/vercel/login" });
    const { installation } = await installWithKv(market.emulator);
    const browser = market.browser();
    // The console sends to the default /sso, which this partner no longer serves…
    const opened = await browser.open(
      `${MARKETPLACE_URL}/sso/open?installation=${installation.id}`,
    );
    expect(new URL(opened.url).pathname).toBe("/sso");
    expect(opened.status).toBe(404);
    expect(browser.cookies.has("pk_session")).toBe(false);
    // …and its code works on the configured path.
    const code = new URL(opened.url).searchParams;
    const landed = await browser.open(
      `${market.publicUrl}/vercel/login?mode=sso&code=${code.get("code")}&state=${code.get("state")}`,
    );
    expect(new URL(landed.url).pathname).toBe("/dashboard");
    expect(landed.body).toContain('action="/vercel/login/logout"');
    const out = await browser.open(`${market.publicUrl}/vercel/login/logout`, "POST");
    expect(out.status).toBe(200);
    expect(browser.cookies.has("pk_session")).toBe(false);
  });
});
