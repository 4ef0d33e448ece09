import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { html } from "hono/html";
import type { MarketplaceIssuer } from "../issuer.ts";
import type { EmulatorState } from "../state.ts";
import { ssoCodes } from "../vercel-api/routes/sso.ts";
import { errorBox, type Html, page } from "./layout.ts";

export interface SsoOpenOptions {
  state: EmulatorState;
  issuer: MarketplaceIssuer;
  /** The partner's Base URL. */
  partnerUrl: string;
  /** The Redirect Login URL's path on the partner; `/sso` by default. */
  redirectLoginPath?: string;
}

/** Context parameters the console passes on as Vercel does (spec §9.1), from its own short names. */
const FORWARDED = [
  ["resource", "resource_id"],
  ["path", "path"],
  ["url", "url"],
  ["invoice", "invoice_id"],
  ["project", "project_id"],
  ["item", "experimentation_item_id"],
] as const;

/**
 * Vercel's authorize step of "Open in provider" (spec §9.1): `GET /sso/open?installation=…`
 * mints a one-time code for the installation's user, its id_token signed now with the user-auth
 * claims of §2.2, and sends the browser to the partner's Redirect Login URL with
 * `mode=sso&code&state` and the context parameters.
 */
export function ssoOpenRoutes(options: SsoOpenOptions): Hono {
  const routes = new Hono();
  routes.get("/sso/open", async (c) => {
    const installation = options.state.installations.get(c.req.query("installation") ?? "");
    if (installation?.status !== "installed") {
      return page(c, "Not found", errorBox("No live installation to open"), 404);
    }
    const idToken = await options.issuer.userToken(
      {
        installationId: installation.id,
        accountId: installation.accountId,
        userId: installation.userId,
        role: "ADMIN",
        email: "owner@emulator.test",
        name: "Emulator Owner",
      },
      { expiresInSeconds: 600 },
      { type: "id_token" },
    );
    const state = randomBytes(12).toString("base64url");
    const code = ssoCodes(options.state).mint({ installationId: installation.id, state, idToken });
    const target = new URL(
      `${options.partnerUrl.replace(/\/$/, "")}${options.redirectLoginPath ?? "/sso"}`,
    );
    target.searchParams.set("mode", "sso");
    target.searchParams.set("code", code);
    target.searchParams.set("state", state);
    for (const [ours, vercels] of FORWARDED) {
      const value = c.req.query(ours);
      if (value) target.searchParams.set(vercels, value);
    }
    return c.redirect(target.toString(), 302);
  });
  return routes;
}

const ssoOpenBase = (installationId: string) =>
  `/sso/open?installation=${encodeURIComponent(installationId)}`;

/** "Open in provider" (and, for a resource, "Manage secrets"), as Vercel shows them. */
export function openInProviderLinks(installationId: string, resourceId?: string): Html {
  const base = ssoOpenBase(installationId);
  if (!resourceId) {
    return html`<p><a class="open-in-provider" href="${base}">Open in provider ↗</a></p>`;
  }
  const resource = `${base}&resource=${encodeURIComponent(resourceId)}`;
  return html`<p><a class="open-in-provider" href="${resource}">Open in provider ↗</a>
    · <a href="${resource}&path=secrets">Manage secrets ↗</a></p>`;
}

/** An experimentation item's "Open in provider": SSO that lands on the item's page (§9.1). */
export function openItemInProvider(installationId: string, resourceId: string, itemId: string) {
  const href = `${ssoOpenBase(installationId)}&resource=${encodeURIComponent(resourceId)}&item=${encodeURIComponent(itemId)}`;
  return html`<a class="open-in-provider" href="${href}">Open in provider ↗</a>`;
}
