import { Hono } from "hono";
import type { Logger } from "pino";
import type { Integration } from "../core/define-integration.ts";
import type { Store } from "../store/store.ts";
import { dashboardRoutes } from "./dashboard-routes.ts";
import { type IdTokenOptions, verifyIdToken } from "./id-token.ts";
import { SessionCodec } from "./session.ts";
import { noticePage, type SsoEnv } from "./sso-env.ts";
import { DEFAULT_SSO_PATH, normalizePath, ssoRoutes } from "./sso-routes.ts";
import type { TokenExchangeOptions } from "./token-exchange.ts";

export interface PartnerPagesOptions {
  integration: Integration;
  store: Store;
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
      log: options.log,
      now: options.now,
    }),
  );
  pages.route(
    "/",
    dashboardRoutes({
      integration: options.integration,
      store: options.store,
      sessions,
      publicUrl: options.publicUrl,
      logoutPath: `${path}/logout`,
      now: options.now,
    }),
  );
  // A failure of ours (the store down) is still a page for a person, not the Partner API's JSON.
  pages.onError((error, c) => {
    (c.get("log") ?? options.log)?.error({ err: error }, "sso page failed");
    return noticePage(c, 500, "Something went wrong", "Try again in a moment.");
  });
  return pages;
}
