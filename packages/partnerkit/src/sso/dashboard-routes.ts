import { type Context, Hono } from "hono";
import type { Integration } from "../core/define-integration.ts";
import type { Store } from "../store/store.ts";
import { accountName, summarize } from "./dashboard-data.ts";
import { billingPage, overviewPage, resourceDetailPage } from "./dashboard-pages.ts";
import { DASHBOARD_HOME } from "./landing.ts";
import { dashboardDocument, type Html } from "./page-layout.ts";
import type { SessionCodec } from "./session.ts";
import { noticePage, pageHeaders, type SsoEnv } from "./sso-env.ts";
import { requireSession } from "./sso-routes.ts";

export interface DashboardRoutesOptions {
  integration: Integration;
  store: Pick<Store, "getInstallation" | "getResource" | "listResources" | "resourceSecrets">;
  sessions: SessionCodec;
  publicUrl: string;
  /** Where "Sign out" posts. */
  logoutPath: string;
  now?: () => number;
}

/**
 * A minimal default dashboard behind the SSO session: the installation's resources, one
 * resource (secrets masked) and billing. Every read is scoped to the session's installation.
 */
export function dashboardRoutes(options: DashboardRoutesOptions): Hono<SsoEnv> {
  const { integration, store } = options;
  const routes = new Hono<SsoEnv>();
  const guard = requireSession(options);
  // `/dashboard/*` covers `/dashboard` itself too.
  routes.use(`${DASHBOARD_HOME}/*`, pageHeaders, guard);

  const render = (c: Context<SsoEnv>, title: string, body: Html) => {
    const session = c.get("session");
    return c.html(
      dashboardDocument(
        title,
        {
          accountName: accountName(c.get("installation")),
          userName: session.userName,
          role: session.role,
          logoutPath: options.logoutPath,
        },
        body,
      ),
    );
  };

  const liveSummaries = async (c: Context<SsoEnv>) => {
    const installation = c.get("installation");
    const resources = await store.listResources(installation.id);
    return Promise.all(
      resources
        .filter((resource) => resource.deletedAt === null)
        .map((resource) => summarize(integration, installation, resource)),
    );
  };

  routes.get(DASHBOARD_HOME, async (c) => {
    const installation = c.get("installation");
    return render(
      c,
      accountName(installation),
      overviewPage({
        accountName: accountName(installation),
        installationId: installation.id,
        resources: await liveSummaries(c),
      }),
    );
  });

  routes.get(`${DASHBOARD_HOME}/billing`, async (c) => {
    const installation = c.get("installation");
    const invoiceId = c.req.query("invoice_id")?.slice(0, 256) || undefined;
    return render(
      c,
      "Billing",
      billingPage({
        accountName: accountName(installation),
        installationId: installation.id,
        resources: await liveSummaries(c),
        invoiceId,
      }),
    );
  });

  routes.get(`${DASHBOARD_HOME}/resources/:id`, async (c) => {
    const installation = c.get("installation");
    // Read under the session's installation only: another installation's resource is not found
    // here, and is refused the same way as one that does not exist, so nothing leaks about it.
    const resource = await store.getResource(installation.id, c.req.param("id"));
    if (!resource || resource.deletedAt !== null) {
      return noticePage(
        c,
        403,
        "Not part of this installation",
        "This resource does not belong to the installation you are signed in to.",
      );
    }
    const [summary, secrets] = await Promise.all([
      summarize(integration, installation, resource),
      store.resourceSecrets(resource.id),
    ]);
    return render(
      c,
      resource.name,
      resourceDetailPage({
        ...summary,
        metadata: resource.metadata,
        secretNames: secrets.map((secret) => secret.name),
      }),
    );
  });

  return routes;
}
