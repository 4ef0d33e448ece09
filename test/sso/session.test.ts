/** The session cookie: what opens it, what does not, and signing out. */
import { afterEach, describe, expect, it } from "vitest";
import { installWithKv } from "../support/marketplace.ts";
import { MARKETPLACE_URL, parseSetCookie, type SsoMarket, ssoMarket } from "./support.ts";

let market: SsoMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

async function signedIn(options: { publicUrl?: string } = {}) {
  market = await ssoMarket(options);
  const { installation, resource } = await installWithKv(market.emulator);
  const browser = market.browser();
  const landed = await browser.open(`${MARKETPLACE_URL}/sso/open?installation=${installation.id}`);
  expect(landed.status).toBe(200);
  return { market, browser, landed, installation, resource };
}

describe("the dashboard session", () => {
  it("is required: without a cookie the dashboard is a 401 page", async () => {
    market = await ssoMarket();
    const answer = await market.partnerkit.fetch(new Request(`${market.publicUrl}/dashboard`));
    expect(answer.status).toBe(401);
    expect(answer.headers.get("content-type")).toContain("text/html");
    expect(await answer.text()).toContain("You are not signed in");
  });

  it("refuses a tampered cookie and drops it", async () => {
    const { browser, market } = await signedIn();
    const value = browser.cookies.get("pk_session") ?? "";
    const last = value.at(-2) === "A" ? "B" : "A";
    browser.cookies.set("pk_session", `${value.slice(0, -2)}${last}${value.at(-1)}`);
    const answer = await browser.open(`${market.publicUrl}/dashboard`);
    expect(answer.status).toBe(401);
    expect(answer.setCookies.map((line) => parseSetCookie(line).attributes.get("max-age"))).toEqual(
      ["0"],
    );
    browser.cookies.set("pk_session", "v1.garbage");
    expect((await browser.open(`${market.publicUrl}/dashboard`)).status).toBe(401);
  });

  it("does not open under another server's key", async () => {
    const first = await signedIn();
    const stolen = first.browser.cookies.get("pk_session") ?? "";
    await first.market.close();
    const second = await signedIn();
    second.browser.cookies.set("pk_session", stolen);
    expect((await second.browser.open(`${second.market.publicUrl}/dashboard`)).status).toBe(401);
  });

  it("ends when the installation is uninstalled", async () => {
    const { browser, market, installation } = await signedIn();
    await market.emulator.partner.uninstall(installation.id, { cascade: true });
    const answer = await browser.open(`${market.publicUrl}/dashboard`);
    expect(answer.status).toBe(401);
  });

  it("is cleared by signing out, by POST or GET", async () => {
    const { browser, market } = await signedIn();
    expect((await browser.open(`${market.publicUrl}/dashboard`)).status).toBe(200);
    const out = await browser.open(`${market.publicUrl}/sso/logout`, "POST");
    expect(out.status).toBe(200);
    expect(out.body).toContain("You are signed out");
    const cleared = parseSetCookie(out.setCookies[0] ?? "");
    expect(cleared.name).toBe("pk_session");
    expect(cleared.attributes.get("max-age")).toBe("0");
    expect(browser.cookies.has("pk_session")).toBe(false);
    expect((await browser.open(`${market.publicUrl}/dashboard`)).status).toBe(401);

    await browser.open(
      `${MARKETPLACE_URL}/sso/open?installation=${[...market.emulator.state.installations.keys()][0]}`,
    );
    expect(browser.cookies.has("pk_session")).toBe(true);
    await browser.open(`${market.publicUrl}/sso/logout`);
    expect(browser.cookies.has("pk_session")).toBe(false);
  });

  it("is Secure when PUBLIC_URL is https", async () => {
    const { landed } = await signedIn({ publicUrl: "https://partner.test" });
    const cookie = parseSetCookie(landed.hops[1]?.setCookies[0] ?? "");
    expect(cookie.attributes.has("secure")).toBe(true);
    expect(cookie.attributes.has("httponly")).toBe(true);
    expect(cookie.attributes.get("samesite")).toBe("Lax");
  });

  it("names the signed-in user and role, and sends no-store pages", async () => {
    const { landed, browser, market } = await signedIn();
    expect(landed.body).toContain("Emulator Owner");
    expect(landed.body).toContain("Admin");
    expect(landed.headers).toContainEqual(["cache-control", "no-store"]);
    expect(landed.hops[1]?.headers).toContainEqual(["referrer-policy", "no-referrer"]);
    // The pages' headers and session guard stay on their own paths, off the Partner API.
    const api = await browser.open(`${market.publicUrl}/openapi.json`);
    expect(api.status).toBe(200);
    expect(api.headers.map(([name]) => name)).not.toContain("content-security-policy");
  });
});
