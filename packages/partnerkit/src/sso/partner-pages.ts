import { Hono } from "hono";
import pino, { type Logger } from "pino";
import type { Clock } from "../core/billing/metering.ts";
import type { Integration } from "../core/define-integration.ts";
import type { Store } from "../store/store.ts";
import { CsrfTokens } from "./csrf.ts";
import { NotThisInstallation } from "./dashboard-guard.ts";
import { type DashboardServices, dashboardRoutes } from "./dashboard-routes.ts";
import { type IdTokenOptions, verifyIdToken } from "./id-token.ts";
import { SessionCodec } from "./session.ts";
import { noticePage, type SsoEnv } from "./sso-env.ts";
import { DEFAULT_SSO_PATH, normalizePath, ssoRoutes } from "./sso-routes.ts";
import type { TokenExchangeOptions } from "./token-exchange.ts";

export interface PartnerPagesOptions {
  integration: Integration;
  store: Store;
  /** What the default pages act through: rotations, invoices, Vercel per installation. */
  services: DashboardServices;
  /** The billing clock, for "usage this period"; the wall clock by default. */
  billingNow?: Clock;
  publicUrl: string;
  /** `PARTNERKIT_SSO_PATH`; `/sso` by default. */
  ssoPath?: string;
  /** `PARTNERKIT_ENCRYPTION_KEY`: the session cookie's key is derived from it. */
  encryptionKey: string;
  exchange: TokenExchangeOptions;
  /** The Marketplace key set, issuer and client id(s), as for Partner API tokens. */
  idToken: IdTokenOptions;
  sessionSeconds?: number;
  log?: Logger;
  now?: () => number;
}

/**
 * The browser side of an integration: the Redirect Login URL, sign-out and the default
 * dashboard. Mount with `app.route("/", partnerPages(...))`; its middleware covers only its own
 * paths, never the Partner API's.
 */
export function partnerPages(options: PartnerPagesOptions): Hono<SsoEnv> {
  const sessions = SessionCodec.fromEncryptionKey(options.encryptionKey);
  const path = normalizePath(options.ssoPath ?? DEFAULT_SSO_PATH);
  const pages = new Hono<SsoEnv>();
  pages.route(
    "/",
    ssoRoutes({
      path,
      publicUrl: options.publicUrl,
      exchange: options.exchange,
      verify: (token) => verifyIdToken(token, options.idToken),
      sessions,
      sessionSeconds: options.sessionSeconds,
      store: options.store,
      itemPage: options.integration.dashboard?.itemPage,
      log: options.log,
      now: options.now,
    }),
  );
  const log = options.log ?? pino({ enabled: false });
  pages.route(
    "/",
    dashboardRoutes({
      integration: options.integration,
      store: options.store,
      services: options.services,
      sessions,
      csrf: CsrfTokens.fromEncryptionKey(options.encryptionKey),
      publicUrl: options.publicUrl,
      logoutPath: `${path}/logout`,
      provider: options.integration.dashboard?.routes({
        meter: options.services.billing.meter,
        contextFor: options.services.contextFor,
        log,
      }),
      billingNow: options.billingNow,
      log,
      now: options.now,
    }),
  );
  // A failure of ours (the store down) is still a page for a person, not the Partner API's JSON.
  pages.onError((error, c) => {
    if (error instanceof NotThisInstallation) {
      return noticePage(
        c,
        403,
        "Not part of this installation",
        "This resource does not belong to the installation you are signed in to.",
      );
    }
    (c.get("log") ?? options.log)?.error({ err: error }, "sso page failed");
    return noticePage(c, 500, "Something went wrong", "Try again in a moment.");
  });
  return pages;
}
