/**
 * The dashboard tests' world: a partner built by the real `createPartnerkit` (Acme KV, or Acme KV
 * with a provider dashboard of the test's own) beside the emulator, sign-in through the console's
 * "Open in provider" link, and form posts as a browser sends them.
 */
import { expect } from "vitest";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import type { Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import type {
  IntegrationSource,
  Partnerkit,
  PartnerkitInternals,
} from "../../packages/partnerkit/src/runtime.ts";
import { MARKETPLACE_URL, ssoMarket, TestBrowser } from "./support.ts";

export const PUBLIC_URL = "http://partner.test";

export interface DashboardMarket {
  emulator: Emulator;
  partnerkit: Partnerkit;
  internals: PartnerkitInternals;
  logLines: string[];
  /** Signs a new browser in through the console's link; `USER` gets Vercel's viewer role. */
  signIn(installationId: string, role?: "ADMIN" | "USER"): Promise<SignedIn>;
  close(): Promise<void>;
}

export interface SignedIn {
  browser: TestBrowser;
  /** GET a partner path, following redirects. */
  open(path: string): Promise<{ status: number; body: string; url: string }>;
  /** POST a form to a partner path as a browser does (no redirect followed). */
  post(
    path: string,
    fields: Record<string, string>,
  ): Promise<{ status: number; body: string; location: string | null }>;
}

export async function dashboardMarket(
  integration: IntegrationSource = acmeKv,
): Promise<DashboardMarket> {
  const market = await ssoMarket({ integration, publicUrl: PUBLIC_URL });
  const { emulator: created, partnerkit } = market;
  /** The role the next exchanged id_token carries; the emulator itself always says ADMIN. */
  let nextRole: "ADMIN" | "USER" = "ADMIN";
  market.override = async (request) => {
    if (nextRole === "ADMIN") return undefined;
    const answer = await created.fetch(request);
    if (!answer.ok) return answer;
    // A viewer: the same exchange, answered with a token Vercel would mint for a USER member.
    const { id_token } = (await answer.json()) as { id_token: string };
    const claims = JSON.parse(Buffer.from(id_token.split(".")[1] ?? "", "base64url").toString());
    const token = await created.issuer.userToken({
      installationId: claims.installation_id,
      accountId: claims.account_id,
      userId: "user_viewer",
      role: "USER",
      name: "Vera Viewer",
    });
    return Response.json({ id_token: token, token_type: "Bearer", access_token: null });
  };

  const signIn = async (installationId: string, role: "ADMIN" | "USER" = "ADMIN") => {
    const browser = new TestBrowser({
      [MARKETPLACE_URL]: (request) => Promise.resolve(created.fetch(request)),
      [PUBLIC_URL]: (request) => partnerkit.fetch(request),
    });
    const consolePage = await browser.open(`${MARKETPLACE_URL}/installations/${installationId}`);
    const link = /href="([^"]*\/sso\/open[^"]*)"/.exec(consolePage.body)?.[1];
    if (!link) throw new Error("no Open in provider link on the console page");
    nextRole = role;
    const landed = await browser.open(new URL(link.replaceAll("&amp;", "&"), MARKETPLACE_URL).href);
    nextRole = "ADMIN";
    expect(landed.status, landed.body).toBe(200);
    expect(new URL(landed.url).pathname).toBe("/dashboard");
    const signedIn: SignedIn = {
      browser,
      open: async (path) => {
        const page = await browser.open(`${PUBLIC_URL}${path}`);
        return { status: page.status, body: page.body, url: page.url };
      },
      post: async (path, fields) => {
        const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
        const response = await partnerkit.fetch(
          new Request(`${PUBLIC_URL}${path}`, {
            method: "POST",
            headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(fields),
            redirect: "manual",
          }),
        );
        return {
          status: response.status,
          body: await response.text(),
          location: response.headers.get("location"),
        };
      },
    };
    return signedIn;
  };

  return {
    emulator: created,
    partnerkit,
    internals: market.internals,
    logLines: market.logLines,
    signIn,
    close: () => market.close(),
  };
}

/** The CSRF token of the first write form of a page. */
export function csrfOf(body: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
  if (!token) throw new Error("no CSRF field in the page");
  return token;
}

/** Provisions an Acme KV store through the emulator (Vercel's side). */
export function provisionKv(
  emulator: Emulator,
  installationId: string,
  name: string,
  billingPlanId = "free",
) {
  return emulator.partner.provision(installationId, {
    productId: "acme-kv",
    name,
    metadata: { region: "iad1" },
    billingPlanId,
  });
}

/** A secret's current value as Vercel (the emulator) holds it. */
export function vercelSecret(emulator: Emulator, resourceId: string, name: string) {
  return emulator.state.resources.get(resourceId)?.secrets.find((secret) => secret.name === name)
    ?.value;
}
