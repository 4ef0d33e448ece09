import { type Context, Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Logger } from "pino";
import type { Store } from "../store/store.ts";
import type { IdTokenResult } from "./id-token.ts";
import { type LandingOptions, landingPath } from "./landing.ts";
import {
  type DashboardSession,
  DEFAULT_SESSION_SECONDS,
  SESSION_COOKIE,
  type SessionCodec,
} from "./session.ts";
import { noticePage, pageHeaders, type SsoEnv } from "./sso-env.ts";
import { parseSsoParams } from "./sso-params.ts";
import {
  type ExchangeResult,
  exchangeSsoCode,
  type TokenExchangeOptions,
} from "./token-exchange.ts";

export const DEFAULT_SSO_PATH = "/sso";

export interface SsoRoutesOptions {
  /** The Redirect Login URL's path (`PARTNERKIT_SSO_PATH`); `/sso` by default. */
  path?: string;
  /** `PUBLIC_URL`: decides the cookie's `Secure` flag and which `url` values are followed. */
  publicUrl: string;
  exchange: TokenExchangeOptions;
  /** Verifies the exchanged `id_token` (see `verifyIdToken`). */
  verify: (idToken: string) => Promise<IdTokenResult>;
  sessions: SessionCodec;
  /** Session lifetime in seconds; one hour by default. */
  sessionSeconds?: number;
  store: Pick<Store, "getInstallation" | "getResource">;
  /** Where an `experimentation_item_id` lands (`dashboard.itemPage`). */
  itemPage?: LandingOptions["itemPage"];
  log?: Logger;
  now?: () => number;
}

const cookieFlags = (publicUrl: string) =>
  ({
    httpOnly: true,
    sameSite: "Lax",
    secure: publicUrl.startsWith("https:"),
    path: "/",
  }) as const;

/**
 * The Redirect Login URL (spec §9.1) and sign-out: a Hono app of browser pages, mounted beside
 * the Partner API and kept out of its OpenAPI document. Every refusal is an HTML page with a 4xx
 * (502/503 when Vercel cannot be reached), never a 500, and sets no cookie.
 */
export function ssoRoutes(options: SsoRoutesOptions): Hono<SsoEnv> {
  const path = normalizePath(options.path ?? DEFAULT_SSO_PATH);
  const now = options.now ?? (() => Date.now());
  const seconds = options.sessionSeconds ?? DEFAULT_SESSION_SECONDS;
  const routes = new Hono<SsoEnv>();
  // `/sso/*` covers `/sso` itself too; naming both would run the middleware twice.
  routes.use(`${path}/*`, pageHeaders);

  routes.get(path, async (c) => {
    const log = c.get("log") ?? options.log;
    const params = parseSsoParams(c.req.query());
    if (!params) {
      return noticePage(
        c,
        400,
        "This sign-in link is incomplete",
        "It carries no sign-in code. Open the integration again from your Vercel dashboard.",
      );
    }
    const exchanged = await exchangeSsoCode(
      { code: params.code, state: params.state },
      options.exchange,
    );
    if (!exchanged.ok) {
      log?.warn(
        { sso: "exchange_failed", kind: exchanged.kind, status: failureStatus(exchanged) },
        "sso sign-in refused",
      );
      return exchangeFailure(c, exchanged);
    }
    const verified = await options.verify(exchanged.idToken);
    if (!verified.ok) {
      log?.warn({ sso: "id_token_invalid", reason: verified.reason }, "sso sign-in refused");
      if (verified.reason === "key_set_unavailable") {
        return noticePage(
          c,
          503,
          "Sign-in is unavailable right now",
          "Vercel's signing keys could not be loaded. Try again in a minute.",
          { "retry-after": "30" },
        );
      }
      return noticePage(
        c,
        401,
        "This sign-in could not be verified",
        "Vercel's answer did not pass verification. Open the integration again from your Vercel dashboard.",
      );
    }
    const { claims } = verified;
    const installation = await options.store.getInstallation(claims.installation_id);
    if (!installation || installation.deletedAt) {
      log?.warn(
        { sso: "unknown_installation", installationId: claims.installation_id },
        "sso sign-in refused",
      );
      return noticePage(
        c,
        403,
        "This installation is not known here",
        "The integration may have been removed from this Vercel team.",
      );
    }
    const session: DashboardSession = {
      installationId: installation.id,
      userId: claims.user_id,
      role: claims.user_role,
      ...(claims.user_name && { userName: claims.user_name }),
      exp: Math.floor(now() / 1000) + seconds,
    };
    setCookie(c, SESSION_COOKIE, options.sessions.seal(session), {
      ...cookieFlags(options.publicUrl),
      maxAge: seconds,
    });
    const to = await landingPath(params, {
      publicUrl: options.publicUrl,
      ownsResource: async (resourceId) => {
        const resource = await options.store.getResource(installation.id, resourceId);
        return resource !== undefined && resource.deletedAt === null;
      },
      itemPage: options.itemPage,
    });
    log?.info(
      {
        sso: "signed_in",
        installationId: installation.id,
        userId: claims.user_id,
        role: claims.user_role,
      },
      "sso sign-in",
    );
    return c.redirect(to, 303);
  });

  const logout = (c: Context<SsoEnv>) => {
    deleteCookie(c, SESSION_COOKIE, cookieFlags(options.publicUrl));
    return noticePage(
      c,
      200,
      "You are signed out",
      "Open the integration from your Vercel dashboard to sign in again.",
    );
  };
  routes.post(`${path}/logout`, logout);
  routes.get(`${path}/logout`, logout);
  return routes;
}

/** Puts the session and its installation on the context, or answers 401 with an HTML page. */
export function requireSession(options: {
  sessions: SessionCodec;
  store: Pick<Store, "getInstallation">;
  publicUrl: string;
  now?: () => number;
}): MiddlewareHandler<SsoEnv> {
  const now = options.now ?? (() => Date.now());
  return async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = options.sessions.open(cookie, now());
    const installation = session && (await options.store.getInstallation(session.installationId));
    if (!session || !installation || installation.deletedAt) {
      // A cookie that does not open (tampered, expired, old key) is dropped from the browser.
      if (cookie !== undefined) deleteCookie(c, SESSION_COOKIE, cookieFlags(options.publicUrl));
      return noticePage(
        c,
        401,
        "You are not signed in",
        "Open this integration from your Vercel dashboard to sign in.",
      );
    }
    c.set("session", session);
    c.set("installation", installation);
    await next();
  };
}

function exchangeFailure(c: Context<SsoEnv>, failure: Exclude<ExchangeResult, { ok: true }>) {
  switch (failure.kind) {
    case "refused":
      return noticePage(
        c,
        400,
        "This sign-in link has expired",
        "Sign-in links work once and only for a few minutes. Open the integration again from your Vercel dashboard.",
      );
    case "bad_gateway":
      return noticePage(
        c,
        502,
        "Vercel could not complete the sign-in",
        "Open the integration again from your Vercel dashboard in a moment.",
      );
    case "unavailable":
      return noticePage(
        c,
        503,
        "Vercel cannot be reached right now",
        "Open the integration again from your Vercel dashboard in a moment.",
        { "retry-after": "30" },
      );
  }
}

const failureStatus = (failure: Exclude<ExchangeResult, { ok: true }>) =>
  "status" in failure ? failure.status : undefined;

/** `/sso`, `sso` and `/sso/` all name `/sso`. */
export function normalizePath(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, "");
  return trimmed.startsWith("/") ? trimmed || DEFAULT_SSO_PATH : `/${trimmed}`;
}
