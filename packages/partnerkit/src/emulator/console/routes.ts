import { Hono } from "hono";
import type { DeploymentSimulator } from "../deployments.ts";
import { ENVIRONMENTS, type Environment } from "../env-vars.ts";
import type { MarketplaceIssuer } from "../issuer.ts";
import type { PartnerClient } from "../partner-client.ts";
import type { CallRecorder } from "../recorder.ts";
import type { EmulatedInstallation, EmulatedResource, EmulatorState } from "../state.ts";
import type { FaultPlan } from "../vercel-api/faults.ts";
import type { VercelApiState } from "../vercel-api/store.ts";
import type { Deliver } from "../webhook-sender.ts";
import { type BillingConsoleOptions, billingConsoleRoutes } from "./billing-routes.ts";
import { type DeploymentNames, deploymentPage, deploymentsPage } from "./deployment-pages.ts";
import { flagsSection } from "./flags-pages.ts";
import { flagsRoutes, flagsSummary } from "./flags-routes.ts";
import { describeFailure, formFields, formList, formValues } from "./form.ts";
import { errorBox, FAVICON_SVG, type Html, notFoundPage, page } from "./layout.ts";
import { type FormFields, metadataFromForm, metadataToSend } from "./metadata-form.ts";
import { type FieldErrors, validateMetadata } from "./metadata-validation.ts";
import {
  type ConsoleProduct,
  dashboardPage,
  type InstallationView,
  installationPage,
  resourcePage,
} from "./pages.ts";
import { paidPlanChosen } from "./plan-tier.ts";
import { projectPage, projectsPage } from "./project-pages.ts";
import { updateContext } from "./resource-settings.ts";
import { resourceToolsRoutes } from "./resource-tools-routes.ts";
import { ssoOpenRoutes } from "./sso-open.ts";
import { matchesFilter, TimelineFilter } from "./timeline-filter.ts";
import { timelinePage } from "./timeline-page.ts";
import type { UninstallOutcome } from "./uninstall-pages.ts";
import { webhookRoutes } from "./webhook-routes.ts";

const MACHINE_PATH = /^\/(v\d+|__emulator|\.well-known)\//;

export interface ConsoleOptions {
  partner: PartnerClient;
  state: EmulatorState;
  recorder: CallRecorder;
  products: ConsoleProduct[];
  partnerUrl: string;
  deployments: DeploymentSimulator;
  deliver: Deliver;
  billing?: BillingConsoleOptions;
  /** Signs the id_tokens of "Open in provider". */
  issuer: MarketplaceIssuer;
  /** What the partner sent to Vercel's API (experimentation items, flags), and its faults. */
  vercelApi: { store: VercelApiState; faults: FaultPlan };
}

/** The console: a small Vercel-like dashboard, server-rendered, driving the partner over HTTP. */
export function consoleRoutes(options: ConsoleOptions): Hono {
  const { partner, state, deployments } = options;
  const routes = new Hono();
  const tools = resourceToolsRoutes({ partner, state, products: options.products });
  const uninstalls = new Map<string, UninstallOutcome>();
  const names: DeploymentNames = {
    projectOf: (id) => state.projects.get(id),
    resourceOf: (id) => state.resources.get(id),
  };
  const productOf = (resource: EmulatedResource) =>
    options.products.find((product) => product.id === resource.productId);
  const flagsOf = (resource: EmulatedResource) =>
    productOf(resource)?.experimentation
      ? flagsSection(flagsSummary(options.vercelApi.store, resource))
      : undefined;
  const finalInvoices = (installationId: string) =>
    [...(options.billing?.store.invoices.values() ?? [])].filter(
      (stored) => stored.installationId === installationId && stored.final,
    );

  routes.get("/favicon.ico", (c) => c.body(FAVICON_SVG, 200, { "content-type": "image/svg+xml" }));

  routes.get("/", (c) =>
    page(c, "Integration", dashboardPage([...state.installations.values()], options.partnerUrl)),
  );

  routes.post("/console/install", async (c) => {
    try {
      const installation = await partner.install();
      return c.redirect(`/installations/${installation.id}`, 303);
    } catch (error) {
      return page(c, "Install failed", describeFailure(error), 502);
    }
  });

  /** The installation's page with its create form holding `form`'s values (and their errors). */
  const installationView = async (
    installation: EmulatedInstallation,
    form: FormFields,
    metadataErrors?: FieldErrors,
  ): Promise<InstallationView> => {
    const first = (name: string) => [form[name]].flat()[0];
    const selectedProduct =
      options.products.find((product) => product.id === first("productId")) ?? options.products[0];
    const metadata = metadataFromForm(selectedProduct?.metadataSchema, form);
    let plans: Awaited<ReturnType<PartnerClient["productPlans"]>> = [];
    let plansError: Html | undefined;
    if (selectedProduct && installation.status === "installed") {
      try {
        plans = await partner.productPlans(selectedProduct.id, metadata);
      } catch (error) {
        plansError = describeFailure(error);
      }
    }
    return {
      installation,
      resources: state.resourcesOf(installation.id),
      products: options.products,
      selectedProduct,
      metadata,
      name: first("name"),
      billingPlanId: first("billingPlanId"),
      plans,
      plansError,
      metadataErrors,
      uninstall: uninstalls.get(installation.id),
      finalInvoices: finalInvoices(installation.id),
      syncFlags: first("syncFlagsOffered") === undefined || first("syncFlags") !== undefined,
    };
  };

  routes.get("/installations/:id", async (c) => {
    const installation = state.installations.get(c.req.param("id"));
    if (!installation) return page(c, "Not found", errorBox("No such installation"), 404);
    const view = await installationView(installation, c.req.queries());
    const uninstall = view.uninstall;
    // While the partner's jobs still owe the final invoices and Finalize Installation, reload.
    const awaitingFinalize =
      uninstall && !installation.finalized && Date.now() - Date.parse(uninstall.at) < 60_000;
    return page(c, installation.id, installationPage(view), 200, {
      refreshSeconds: awaitingFinalize ? 2 : undefined,
    });
  });

  routes.post("/installations/:id/resources", async (c) => {
    const installationId = c.req.param("id");
    const form = await formFields(c);
    const field = (name: string) => [form[name]].flat()[0] ?? "";
    const product = options.products.find((candidate) => candidate.id === field("productId"));
    const schema = product?.metadataSchema;
    const chosen = metadataFromForm(schema, form);
    const context = {
      mode: "create" as const,
      paidPlan: await paidPlanChosen(partner, product, chosen, field("billingPlanId")),
    };
    // Vercel's form does not submit what it refuses: the partner never sees these values.
    const errors = validateMetadata(schema, chosen, context);
    const installation = state.installations.get(installationId);
    if (Object.keys(errors).length > 0 && installation) {
      const view = await installationView(installation, form, errors);
      return page(c, installation.id, installationPage(view), 400);
    }
    try {
      const resource = await partner.provision(installationId, {
        productId: field("productId"),
        name: field("name"),
        metadata: metadataToSend(schema, chosen, context),
        billingPlanId: field("billingPlanId"),
        syncFlags:
          product?.experimentation?.edgeConfigSyncing === true && field("syncFlags") !== "",
      });
      await partner.refreshResource(installationId, resource.id);
      return c.redirect(`/installations/${installationId}/resources/${resource.id}`, 303);
    } catch (error) {
      return page(c, "Provisioning failed", describeFailure(error), 400);
    }
  });

  routes.get("/installations/:id/resources/:rid", (c) => {
    const installation = state.installations.get(c.req.param("id"));
    const resource = state.resources.get(c.req.param("rid"));
    if (!installation || !resource || resource.installationId !== installation.id) {
      return page(c, "Not found", errorBox("No such resource"), 404);
    }
    const panels = tools.panels(installation, resource);
    return page(
      c,
      resource.name,
      resourcePage({
        installation,
        resource,
        projects: [...state.projects.values()],
        product: productOf(resource),
        tools: panels.body,
        flags: flagsOf(resource),
      }),
      200,
      { refreshSeconds: resource.deleted ? undefined : panels.refreshSeconds },
    );
  });

  routes.post("/installations/:id/resources/:rid/update", async (c) => {
    const installation = state.installations.get(c.req.param("id"));
    const resource = state.resources.get(c.req.param("rid"));
    if (
      !installation ||
      !resource ||
      resource.deleted ||
      resource.installationId !== installation.id
    ) {
      return page(c, "Not found", errorBox("No such live resource"), 404);
    }
    const form = await formFields(c);
    const product = productOf(resource);
    const schema = product?.metadataSchema;
    const chosen = metadataFromForm(schema, form);
    const context = updateContext(resource);
    const errors = validateMetadata(schema, chosen, context);
    if (Object.keys(errors).length > 0) {
      return page(
        c,
        resource.name,
        resourcePage({
          installation,
          resource,
          projects: [...state.projects.values()],
          product,
          tools: tools.panels(installation, resource).body,
          flags: flagsOf(resource),
          settings: { metadata: { ...resource.metadata, ...chosen }, errors },
        }),
        400,
      );
    }
    const name = [form.name].flat()[0]?.trim();
    try {
      await partner.updateResource(installation.id, resource.id, {
        ...(name && name !== resource.name && { name }),
        metadata: metadataToSend(schema, chosen, context, resource.metadata ?? {}),
        syncFlags: !resource.edgeConfig && form.syncFlags !== undefined,
      });
      return c.redirect(`/installations/${installation.id}/resources/${resource.id}`, 303);
    } catch (error) {
      return page(c, "Update failed", describeFailure(error), 400);
    }
  });

  routes.post("/installations/:id/resources/:rid/connect", async (c) => {
    const { id, rid } = c.req.param();
    const body = await c.req.parseBody({ all: true });
    const name = String(body.project ?? "my-app").trim() || "my-app";
    const project = state.projectNamed(name);
    const chosen = formList(body, "environments");
    state.connect(project.id, {
      resourceId: rid,
      environments: ENVIRONMENTS.filter((environment) => chosen.includes(environment)),
      prefix: String(body.prefix ?? "").trim() || undefined,
      actions: formList(body, "actions"),
    });
    return c.redirect(`/projects/${project.id}?from=/installations/${id}/resources/${rid}`, 303);
  });

  routes.post("/installations/:id/resources/:rid/delete", async (c) => {
    const { id, rid } = c.req.param();
    try {
      await partner.deleteResource(id, rid);
      return c.redirect(`/installations/${id}`, 303);
    } catch (error) {
      return page(c, "Delete failed", describeFailure(error), 400);
    }
  });

  routes.post("/installations/:id/uninstall", async (c) => {
    const id = c.req.param("id");
    const form = await formValues(c);
    if (form.confirm !== "yes") {
      return page(c, "Not uninstalled", errorBox("Tick the confirmation to uninstall"), 400);
    }
    const cascade = form.cascade === "true";
    try {
      const answer = await partner.uninstall(id, { cascade });
      uninstalls.set(id, {
        at: new Date().toISOString(),
        cascade,
        finalized: answer.finalized ?? false,
      });
      return c.redirect(`/installations/${id}`, 303);
    } catch (error) {
      return page(c, "Uninstall failed", describeFailure(error), 400);
    }
  });

  routes.get("/projects", (c) =>
    page(
      c,
      "Projects",
      projectsPage({
        projects: [...state.projects.values()],
        resourceOf: names.resourceOf,
        deploymentCount: (projectId) => deployments.list(projectId).length,
      }),
    ),
  );

  routes.get("/projects/:pid", (c) => {
    const project = state.projects.get(c.req.param("pid"));
    if (!project) return page(c, "Not found", errorBox("No such project"), 404);
    const env = Object.fromEntries(
      ENVIRONMENTS.map((environment) => [environment, state.projectEnv(project.id, environment)]),
    ) as Record<Environment, Record<string, string>>;
    return page(
      c,
      project.name,
      projectPage({
        project,
        env,
        deployments: deployments.list(project.id),
        resourceOf: names.resourceOf,
      }),
    );
  });

  routes.post("/projects/:pid/deployments", async (c) => {
    const project = state.projects.get(c.req.param("pid"));
    if (!project) return page(c, "Not found", errorBox("No such project"), 404);
    const form = await formValues(c);
    const deployment = await deployments.deploy(project.id, {
      target: form.target === "production" ? "production" : "preview",
      ref: form.ref?.trim() || undefined,
    });
    return c.redirect(`/deployments/${deployment.id}`, 303);
  });

  routes.get("/deployments", (c) =>
    page(c, "Deployments", deploymentsPage(deployments.list(), names)),
  );

  routes.get("/deployments/:id", (c) => {
    const deployment = deployments.get(c.req.param("id"));
    if (!deployment) return page(c, "Not found", errorBox("No such deployment"), 404);
    // Watching provisioning → ready needs no script: the page reloads until it settles.
    const refreshSeconds = deployment.state === "provisioning" ? 1 : undefined;
    return page(c, deployment.id, deploymentPage(deployment, names), 200, { refreshSeconds });
  });

  for (const [verb, act] of [
    ["cancel", (id: string) => deployments.cancel(id)],
    ["delete", (id: string) => deployments.remove(id)],
  ] as const) {
    routes.post(`/deployments/:id/${verb}`, async (c) => {
      const id = c.req.param("id");
      if (!deployments.get(id)) return page(c, "Not found", errorBox("No such deployment"), 404);
      await act(id);
      return c.redirect(`/deployments/${id}`, 303);
    });
  }

  routes.route("/", webhookRoutes({ state, deliver: options.deliver }));
  routes.route("/", tools.routes);
  routes.route(
    "/",
    flagsRoutes({ state, recorder: options.recorder, vercelApi: options.vercelApi }),
  );
  routes.route(
    "/",
    ssoOpenRoutes({
      state,
      issuer: options.issuer,
      partnerUrl: options.partnerUrl,
    }),
  );
  if (options.billing) routes.route("/", billingConsoleRoutes(options.billing));

  routes.get("/timeline", (c) => {
    const filter = TimelineFilter.parse(c.req.query());
    const calls = options.recorder.list().filter((call) => matchesFilter(call, filter));
    return page(
      c,
      "Timeline",
      timelinePage({ calls, filter, installations: [...state.installations.values()] }),
    );
  });

  // Last: any other page a browser asks for is a console page that does not exist. Machine paths
  // (the Vercel API fake, the control API, the issuer) are left to answer as they do.
  routes.get("*", (c, next) =>
    MACHINE_PATH.test(c.req.path) ? next() : page(c, "Not found", notFoundPage(c.req.path), 404),
  );

  return routes;
}
