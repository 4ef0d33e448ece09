import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { html } from "hono/html";
import type { Logger } from "pino";
import type { VercelClientFor } from "../core/hook-context.ts";
import { lazyChild } from "../lazy-child.ts";
import type { Store } from "../store/store.ts";
import { CSRF_FIELD, CSRF_HEADER, type CsrfTokens } from "./csrf.ts";
import { accountName } from "./dashboard-data.ts";
import { canWrite, type DashboardContext, type DashboardEnv } from "./dashboard-hook.ts";
import { dashboardDocument } from "./page-layout.ts";
import { SESSION_COOKIE } from "./session.ts";
import { noticePage, type SsoEnv } from "./sso-env.ts";

/** The variables of every dashboard request: the session's and the provider's. */
export interface GuardedEnv {
  Variables: SsoEnv["Variables"] & DashboardEnv["Variables"];
}

/** A resource the session may not see: answered with the same 403 page wherever it is asked for. */
export class NotThisInstallation extends Error {
  constructor() {
    super("The resource is not part of the session's installation");
  }
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface DashboardGuardOptions {
  store: Pick<Store, "getResource" | "listResources">;
  csrf: CsrfTokens;
  vercelFor: VercelClientFor;
  logoutPath: string;
  log?: Logger;
}

/**
 * Runs after `requireSession`: puts `c.get("dashboard")` on the context, then refuses a write
 * (any method but GET/HEAD/OPTIONS) from a USER-role session, or one without the session's CSRF
 * token, with a 403 page — before any handler, the provider's included, sees it.
 */
export function dashboardGuard(options: DashboardGuardOptions): MiddlewareHandler<GuardedEnv> {
  return async (c, next) => {
    const session = c.get("session");
    const installation = c.get("installation");
    const sealed = getCookie(c, SESSION_COOKIE) ?? "";
    const csrfToken = options.csrf.issue(sealed);
    const base = c.get("log") ?? options.log;
    if (!base) throw new Error("The dashboard needs a logger");
    const log = lazyChild(base, { installationId: installation.id, userId: session.userId });
    const header = {
      accountName: accountName(installation),
      userName: session.userName,
      role: session.role,
      logoutPath: options.logoutPath,
    };
    const dashboard: DashboardContext = {
      session,
      installation,
      vercel: options.vercelFor(installation.id, log),
      log,
      canWrite: canWrite(session),
      csrfToken,
      csrfField: html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}" />`,
      resources: async () =>
        (await options.store.listResources(installation.id)).filter(
          (resource) => resource.deletedAt === null,
        ),
      resource: async (id) => {
        // Read under the session's installation only: another installation's resource is refused
        // exactly like one that does not exist, so nothing leaks about it.
        const resource = await options.store.getResource(installation.id, id);
        if (!resource || resource.deletedAt !== null) throw new NotThisInstallation();
        return resource;
      },
      page: async (title, body, status = 200) =>
        c.html(dashboardDocument(title, header, body), status),
    };
    c.set("dashboard", dashboard);
    if (READS.has(c.req.method)) return next();

    if (!dashboard.canWrite) {
      log.warn({ dashboard: "write_refused", reason: "role", method: c.req.method }, "refused");
      return noticePage(
        c,
        403,
        "You can look, not change",
        "Your Vercel role on this team lets you see this integration but not change it. Ask a team owner.",
      );
    }
    if (!options.csrf.verify(sealed, await submittedToken(c.req.raw, () => c.req.parseBody()))) {
      log.warn({ dashboard: "write_refused", reason: "csrf", method: c.req.method }, "refused");
      return noticePage(
        c,
        403,
        "This form has expired",
        "Reload the page and try again. Forms only work in the sign-in they were shown in.",
      );
    }
    return next();
  };
}

/** The CSRF token of a write: the header, else the form field (the body stays readable after). */
async function submittedToken(
  request: Request,
  form: () => Promise<Record<string, unknown>>,
): Promise<string | undefined> {
  const header = request.headers.get(CSRF_HEADER);
  if (header) return header;
  const type = request.headers.get("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return undefined;
  try {
    const value = (await form())[CSRF_FIELD];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
