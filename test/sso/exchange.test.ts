/**
 * What the Redirect Login URL does when the exchange or its id_token is not what it should be:
 * a clear HTML page with a 4xx (502/503 when Vercel fails), never a 500, and never a session.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { TestIssuer } from "../support/issuer.ts";
import { installWithKv } from "../support/marketplace.ts";
import { CLIENT_ID, MARKETPLACE_URL, type SsoMarket, ssoMarket, TOKEN_PATH } from "./support.ts";

let market: SsoMarket | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await market?.close();
  market = undefined;
});

/** Opens the integration from the console with Vercel's exchange answered by `answer`. */
async function signInWith(answer: (request: Request) => Promise<Response> | Response) {
  market ??= await ssoMarket();
  const { installation } = await installWithKv(market.emulator);
  market.override = async (request) => answer(request);
  const browser = market.browser();
  const landed = await browser.open(`${MARKETPLACE_URL}/sso/open?installation=${installation.id}`);
  const sso = landed.hops[1];
  if (!sso) throw new Error("no sign-in hop");
  return { sso, browser, installation, market };
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

describe("the code exchange", () => {
  it("accepts Vercel's answer as a form", async () => {
    market = await ssoMarket();
    const { emulator } = market;
    const { sso, browser } = await signInWith(async (request) => {
      const answer = await emulator.fetch(request);
      const { id_token } = (await answer.json()) as { id_token: string };
      return new Response(new URLSearchParams({ id_token, token_type: "Bearer" }), {
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    });
    expect(sso.status).toBe(303);
    expect(browser.cookies.has("pk_session")).toBe(true);
  });

  it.each([
    ["Vercel answers 500 → 502", () => json({ error: { code: "internal" } }, 500), 502],
    ["Vercel answers 200 without an id_token → 502", () => json({ token_type: "Bearer" }), 502],
    ["Vercel answers garbage → 502", () => new Response("<html>oops</html>"), 502],
    ["Vercel cannot be reached → 503", () => Promise.reject(new TypeError("fetch failed")), 503],
    ["Vercel refuses the code (403) → 400", () => json({ error: { code: "forbidden" } }, 403), 400],
  ])("%s page, no session", async (_, answer, status) => {
    const { sso } = await signInWith(answer);
    expect(sso.status).toBe(status);
    expect(sso.setCookies).toEqual([]);
    expect(sso.headers.find(([name]) => name === "content-type")?.[1]).toContain("text/html");
  });

  it("refuses incomplete or garbage sign-in links with a 400 page, without calling Vercel", async () => {
    market = await ssoMarket();
    for (const query of ["", "?mode=sso", "?code=", "?code=%20%20", `?code=${"x".repeat(5000)}`]) {
      const answer = await market.partnerkit.fetch(new Request(`${market.publicUrl}/sso${query}`));
      expect(answer.status, query).toBe(400);
      expect(await answer.text()).toContain("incomplete");
    }
    // Odd context parameters are dropped, not fatal: the code still goes to Vercel.
    const odd = await market.partnerkit.fetch(
      new Request(
        `${market.publicUrl}/sso?code=abc&resource_id=${"r".repeat(400)}&path[]=x&url=%%%`,
      ),
    );
    expect(odd.status).toBe(400);
    expect(await odd.text()).toContain("expired");
    expect(market.exchanges).toHaveLength(1);
  });
});

describe("garbage from the browser", () => {
  it("never gets a 5xx, signed in or not", async () => {
    market = await ssoMarket();
    const { installation } = await installWithKv(market.emulator);
    const signedIn = market.browser();
    await signedIn.open(`${MARKETPLACE_URL}/sso/open?installation=${installation.id}`);
    const paths = [
      "/sso?code=%",
      "/sso?code=%E0%A4%A",
      "/sso?code[]=1",
      "/sso?mode=sso&code=x&state=%FF&url=%%%&resource_id=%00",
      "/dashboard/resources/%",
      "/dashboard/resources/%E0%A4%A",
      "/dashboard/resources/a%2Fb",
      "/dashboard/billing?invoice_id=%",
      "/sso/logout?x=%",
    ];
    for (const browser of [signedIn, market.browser()]) {
      for (const path of paths) {
        const answer = await browser.open(`${market.publicUrl}${path}`);
        expect(answer.status, path).toBeLessThan(500);
      }
    }
  });
});

describe("the id_token", () => {
  const forged = async (sign: (market: SsoMarket, installationId: string) => Promise<string>) => {
    market = await ssoMarket();
    const current = market;
    const { installation } = await installWithKv(current.emulator);
    const token = await sign(current, installation.id);
    return signInWith(() => json({ id_token: token, token_type: "Bearer", access_token: null }));
  };
  const claims = (installationId: string) => ({
    installationId,
    accountId: "team_x",
    userId: "user_x",
  });

  it.each([
    [
      "another issuer",
      (m: SsoMarket, id: string) =>
        m.emulator.issuer.userToken(claims(id), { issuer: "https://evil.test" }),
    ],
    [
      "another audience",
      (m: SsoMarket, id: string) =>
        m.emulator.issuer.userToken(claims(id), { audience: "oac_someone_else" }),
    ],
    [
      "an expired token",
      (m: SsoMarket, id: string) =>
        m.emulator.issuer.userToken(claims(id), { expiresInSeconds: -600 }),
    ],
    [
      "another key",
      async (_: SsoMarket, id: string) =>
        (await TestIssuer.create("evil-key")).userToken({ installationId: id }),
    ],
    [
      "no installation_id",
      (m: SsoMarket, id: string) =>
        m.emulator.issuer.userToken(claims(id), {}, { installation_id: undefined }),
    ],
    [
      "system claims only",
      (m: SsoMarket, id: string) =>
        m.emulator.issuer.systemToken({ installationId: id, accountId: "team_x" }),
    ],
  ])("signed with %s → 401 page, no session", async (_, sign) => {
    const { sso, browser } = await forged(sign);
    expect(sso.status).toBe(401);
    expect(sso.setCookies).toEqual([]);
    expect(sso.body).toContain("could not be verified");
    expect(browser.cookies.has("pk_session")).toBe(false);
  });

  it("for an installation this server does not know → 403 page, no session", async () => {
    const { sso } = await forged((m) => m.emulator.issuer.userToken(claims("icfg_unknown")));
    expect(sso.status).toBe(403);
    expect(sso.setCookies).toEqual([]);
  });

  it("gives a session that expires after an hour", async () => {
    market = await ssoMarket();
    const { installation } = await installWithKv(market.emulator);
    const browser = market.browser();
    await browser.open(`${MARKETPLACE_URL}/sso/open?installation=${installation.id}`);
    expect((await browser.open(`${market.publicUrl}/dashboard`)).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 3601_000);
    expect((await browser.open(`${market.publicUrl}/dashboard`)).status).toBe(401);
  });
});

describe("the emulator's SSO token endpoint", () => {
  async function minted() {
    market = await ssoMarket();
    const { installation } = await installWithKv(market.emulator);
    const opened = await market
      .browser()
      .open(`${MARKETPLACE_URL}/sso/open?installation=${installation.id}`, "GET");
    const url = new URL(opened.hops[0]?.headers.find(([name]) => name === "location")?.[1] ?? "");
    return {
      code: url.searchParams.get("code") ?? "",
      state: url.searchParams.get("state") ?? "",
      market,
    };
  }
  const post = (m: SsoMarket, body: Record<string, string>, form = false) =>
    Promise.resolve(
      m.emulator.fetch(
        new Request(`${MARKETPLACE_URL}${TOKEN_PATH}`, {
          method: "POST",
          headers: {
            "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
          },
          body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
        }),
      ),
    );

  it("refuses a used code, a wrong secret, a wrong state and a missing grant_type with Vercel's error body", async () => {
    // `minted` follows the link, so the partner has already redeemed that code.
    const { code, state, market } = await minted();
    const grant = {
      code,
      state,
      client_id: CLIENT_ID,
      client_secret: market.clientSecret,
      grant_type: "authorization_code",
    };
    const used = await post(market, grant);
    expect(used.status).toBe(400);
    expect(await used.json()).toMatchObject({ error: { code: "invalid_grant" } });

    const fresh = await freshCode(market);
    const wrongSecret = await post(market, {
      ...grant,
      code: fresh.code,
      state: fresh.state,
      client_secret: "nope",
    });
    expect(wrongSecret.status).toBe(403);
    const { grant_type: _, ...withoutGrantType } = grant;
    expect((await post(market, { ...withoutGrantType, code: fresh.code })).status).toBe(400);
    expect((await post(market, { ...grant, code: fresh.code, state: "other" })).status).toBe(400);
  });

  it("lets a code expire after five minutes", async () => {
    market = await ssoMarket();
    const fresh = await freshCode(market);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 5 * 60_000 + 1000);
    const answer = await post(market, {
      code: fresh.code,
      state: fresh.state,
      client_id: CLIENT_ID,
      client_secret: market.clientSecret,
      grant_type: "authorization_code",
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { code: "invalid_grant" } });
  });

  it("answers a form-encoded grant with an id_token for the installation's user", async () => {
    market = await ssoMarket();
    const fresh = await freshCode(market);
    const answer = await post(
      market,
      {
        code: fresh.code,
        state: fresh.state,
        client_id: CLIENT_ID,
        client_secret: market.clientSecret,
        grant_type: "authorization_code",
      },
      true,
    );
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as {
      id_token: string;
      token_type: string;
      access_token: null;
    };
    expect(body.token_type).toBe("Bearer");
    expect(body.access_token).toBeNull();
    const payload = JSON.parse(
      Buffer.from(body.id_token.split(".")[1] ?? "", "base64url").toString(),
    );
    expect(payload).toMatchObject({
      installation_id: fresh.installationId,
      type: "id_token",
      user_role: "ADMIN",
      aud: CLIENT_ID,
    });
  });
});

/** A code minted by the console's authorize step, not followed to the partner. */
async function freshCode(m: SsoMarket) {
  const installation =
    [...m.emulator.state.installations.values()][0] ?? (await m.emulator.partner.install());
  const answer = await m.emulator.fetch(
    new Request(`${MARKETPLACE_URL}/sso/open?installation=${installation.id}`),
  );
  const url = new URL(answer.headers.get("location") ?? "");
  return {
    code: url.searchParams.get("code") ?? "",
    state: url.searchParams.get("state") ?? "",
    installationId: installation.id,
  };
}
