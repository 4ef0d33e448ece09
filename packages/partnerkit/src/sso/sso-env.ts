import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { InstallationRecord } from "../store/records.ts";
import { noticeDocument } from "./page-layout.ts";
import type { DashboardSession } from "./session.ts";

/** Hono variables of the SSO and dashboard pages. `log` is the request logger's, when mounted. */
export interface SsoEnv {
  Variables: {
    session: DashboardSession;
    installation: InstallationRecord;
    log?: Logger;
  };
}

/** An HTML page that explains a refusal, for a browser (never the JSON of the Partner API). */
export function noticePage(
  c: Context,
  status: ContentfulStatusCode,
  title: string,
  message: string,
  headers: Record<string, string> = {},
): Response | Promise<Response> {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.html(noticeDocument(title, message), status);
}

/**
 * Headers of every SSO and dashboard page: nothing cached (pages name a signed-in user), no
 * framing, no referrer (the sign-in URL carries the code), no script at all.
 */
export async function pageHeaders(c: Context<SsoEnv>, next: () => Promise<void>): Promise<void> {
  await next();
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  c.header("x-frame-options", "DENY");
  c.header("x-content-type-options", "nosniff");
  c.header(
    "content-security-policy",
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
}
