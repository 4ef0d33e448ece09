import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../core/billing/metering.ts";
import type { Integration } from "../core/define-integration.ts";
import type { VercelClientFor } from "../core/hook-context.ts";
import { PartnerError } from "../core/partner-error.ts";
import type { SecretsRotationService } from "../core/secrets-rotation.ts";
import type { InvoiceRecord } from "../store/billing-queries.ts";
import type { Store } from "../store/store.ts";
import { billingPage } from "./billing-page.ts";
import type { CsrfTokens } from "./csrf.ts";
import { accountName, invoiceLines, periodUsage, summarize } from "./dashboard-data.ts";
import { dashboardGuard, type GuardedEnv } from "./dashboard-guard.ts";
import type { DashboardEnv, DashboardTools, ResourceLink } from "./dashboard-hook.ts";
import { overviewPage, resourceDetailPage } from "./dashboard-pages.ts";
import { DASHBOARD_HOME, resourcePage } from "./landing.ts";
import type { Html } from "./page-layout.ts";
import { GRACE_CHOICES, secretsPage } from "./secrets-page.ts";
import type { SessionCodec } from "./session.ts";
import { noticePage, pageHeaders } from "./sso-env.ts";
import { requireSession } from "./sso-routes.ts";

/** The framework services the default pages read and act through. */
export interface DashboardServices {
  vercelFor: VercelClientFor;
  contextFor: DashboardTools["contextFor"];
  rotations: Pick<SecretsRotationService, "requestByProvider">;
  billing: {
    invoices(installationId: string): Promise<InvoiceRecord[]>;
    meter(resourceId: string, meter: string, value: number): Promise<void>;
  };
}

export interface DashboardRoutesOptions {
  integration: Integration;
  store: Store;
  services: DashboardServices;
  sessions: SessionCodec;
  csrf: CsrfTokens;
  publicUrl: string;
  /** Where "Sign out" posts. */
  logoutPath: string;
  /** The provider's pages (`dashboard.routes`), tried before the default ones. */
  provider?: Hono<DashboardEnv>;
  /** The billing clock: which period "this period" is (the dev clock under `partnerkit dev`). */
  billingNow?: Clock;
  log?: Logger;
  now?: () => number;
}

const RotateForm = z.object({
  delayHours: z.coerce
    .number()
    .int()
    .refine((hours) => GRACE_CHOICES.some((choice) => choice.hours === hours)),
  reason: z.string().trim().max(200).optional(),
});

/**
 * The dashboard behind the SSO session: the installation's resources, one resource with its usage
 * this period, its secrets (masked, rotation for ADMIN) and billing with the stored invoices. The
 * provider's routes are mounted first, behind the same session, role and CSRF checks. Every read
 * is scoped to the session's installation.
 */
export function dashboardRoutes(options: DashboardRoutesOptions): Hono<GuardedEnv> {
  const { integration, store, services } = options;
  const billingNow = options.billingNow ?? (() => new Date());
  const allLinks = integration.dashboard?.resourceLinks ?? [];
  const linksOf = (productId: string): ResourceLink[] =>
    allLinks.filter((link) => link.productId === undefined || link.productId === productId);
  const routes = new Hono<GuardedEnv>();
  // `/dashboard/*` covers `/dashboard` itself too.
  routes.use(
    `${DASHBOARD_HOME}/*`,
    pageHeaders,
    requireSession(options),
    dashboardGuard({
      store,
      csrf: options.csrf,
      vercelFor: services.vercelFor,
      logoutPath: options.logoutPath,
      log: options.log,
    }),
  );
  if (options.provider) routes.route(DASHBOARD_HOME, options.provider);

  const render = (c: Context<GuardedEnv>, title: string, body: Html) =>
    c.get("dashboard").page(title, body);

  const summaries = async (c: Context<GuardedEnv>) => {
    const installation = c.get("installation");
    const resources = await c.get("dashboard").resources();
    return Promise.all(resources.map((resource) => summarize(integration, installation, resource)));
  };

  routes.get(DASHBOARD_HOME, async (c) => {
    const installation = c.get("installation");
    return render(
      c,
      accountName(installation),
      overviewPage({
        accountName: accountName(installation),
        installationId: installation.id,
        resources: await summaries(c),
      }),
    );
  });

  routes.get(`${DASHBOARD_HOME}/billing`, async (c) => {
    const installation = c.get("installation");
    const invoiceId = c.req.query("invoice_id")?.slice(0, 256) || undefined;
    const [resources, all, usage, invoices] = await Promise.all([
      summaries(c),
      store.listResources(installation.id),
      periodUsage(integration, store, installation, billingNow()),
      services.billing.invoices(installation.id),
    ]);
    // Invoices name deleted resources too: their names come from every resource ever stored.
    const named = new Map(
      await Promise.all(
        all.map(async (resource) => {
          const summary = await summarize(integration, installation, resource);
          return [resource.id, summary] as const;
        }),
      ),
    );
    return render(
      c,
      "Billing",
      billingPage({
        accountName: accountName(installation),
        resources,
        usage,
        invoices: invoiceLines(invoices, named),
        invoiceId,
      }),
    );
  });

  routes.get(`${DASHBOARD_HOME}/resources/:id`, async (c) => {
    const installation = c.get("installation");
    const resource = await c.get("dashboard").resource(c.req.param("id"));
    const [summary, secrets, usage] = await Promise.all([
      summarize(integration, installation, resource),
      store.resourceSecrets(resource.id),
      periodUsage(integration, store, installation, billingNow()),
    ]);
    return render(
      c,
      resource.name,
      resourceDetailPage({
        ...summary,
        metadata: resource.metadata,
        secretNames: secrets.map((secret) => secret.name),
        usage: usage.byResource.get(resource.id) ?? [],
        links: linksOf(resource.productId),
      }),
    );
  });

  routes.get(`${DASHBOARD_HOME}/resources/:id/secrets`, async (c) => {
    const dashboard = c.get("dashboard");
    const resource = await dashboard.resource(c.req.param("id"));
    const [secrets, unfinished] = await Promise.all([
      store.resourceSecrets(resource.id),
      store.rotations.unfinished(resource.id),
    ]);
    const done = c.req.query("done");
    return render(
      c,
      `${resource.name} · Secrets`,
      secretsPage({
        resourceId: resource.id,
        resourceName: resource.name,
        productName: integration.product(resource.productId)?.name ?? resource.productId,
        secretNames: secrets.map((secret) => secret.name),
        links: linksOf(resource.productId),
        rotates: Boolean(integration.product(resource.productId)?.secretsRotation),
        canWrite: dashboard.canWrite,
        csrfField: dashboard.csrfField,
        inProgress: unfinished !== undefined,
        ...((done === "rotated" || done === "queued") && { outcome: done }),
      }),
    );
  });

  routes.post(`${DASHBOARD_HOME}/resources/:id/secrets/rotate`, async (c) => {
    const dashboard = c.get("dashboard");
    const resource = await dashboard.resource(c.req.param("id"));
    const form = RotateForm.safeParse(await c.req.parseBody().catch(() => ({})));
    if (!form.success) {
      return noticePage(
        c,
        400,
        "Choose how long the old secrets keep working",
        "Go back and pick one of the choices offered.",
      );
    }
    const { delayHours, reason } = form.data;
    try {
      const { queued } = await services.rotations.requestByProvider(
        { requestId: `dashboard_${resource.id}`, log: dashboard.log },
        dashboard.installation,
        resource,
        {
          delayOldSecretsExpirationHours: delayHours,
          reason: reason || `Rotated from the dashboard by ${dashboard.session.userId}`,
        },
      );
      return c.redirect(
        `${resourcePage(resource.id)}/secrets?done=${queued ? "queued" : "rotated"}`,
        303,
      );
    } catch (error) {
      if (error instanceof PartnerError && error.status === 409) {
        return noticePage(
          c,
          409,
          "A rotation is already in progress",
          "Wait for it to finish, then try again.",
        );
      }
      if (error instanceof PartnerError && error.status < 500) {
        return noticePage(c, 422, "These secrets cannot be rotated", error.message);
      }
      // The hook or Vercel failed: a rotation that made new secrets is pushed by its job later.
      dashboard.log.error({ err: error, resourceId: resource.id }, "dashboard rotation failed");
      return noticePage(
        c,
        502,
        "The rotation did not finish",
        "Nothing was lost: if new secrets were made, they are sent to Vercel automatically and the current ones keep working. Try again in a moment.",
      );
    }
  });

  return routes;
}
