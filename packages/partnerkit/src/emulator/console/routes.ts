import { Hono } from "hono";
import type { JsonObject } from "../../protocol/common.ts";
import type { DeploymentSimulator } from "../deployments.ts";
import { ENVIRONMENTS, type Environment } from "../env-vars.ts";
import type { PartnerClient } from "../partner-client.ts";
import type { CallRecorder } from "../recorder.ts";
import { SAMPLE_EVENT_TYPES, samplePayload } from "../sample-events.ts";
import type { EmulatorState } from "../state.ts";
import type { Deliver } from "../webhook-sender.ts";
import { type BillingConsoleOptions, billingConsoleRoutes } from "./billing-routes.ts";
import { deploymentPage } from "./deployment-pages.ts";
import { describeFailure, formList, formValues } from "./form.ts";
import { errorBox, type Html, page } from "./layout.ts";
import { metadataFromForm } from "./metadata-form.ts";
import {
  type ConsoleProduct,
  dashboardPage,
  installationPage,
  projectPage,
  resourcePage,
  timelinePage,
} from "./pages.ts";
import { resourceToolsRoutes } from "./resource-tools-routes.ts";
import { triggerPage } from "./webhook-pages.ts";

export interface ConsoleOptions {
  partner: PartnerClient;
  state: EmulatorState;
  recorder: CallRecorder;
  products: ConsoleProduct[];
  partnerUrl: string;
  deployments: DeploymentSimulator;
  deliver: Deliver;
  billing?: BillingConsoleOptions;
}

/** The console: a small Vercel-like dashboard, server-rendered, driving the partner over HTTP. */
export function consoleRoutes(options: ConsoleOptions): Hono {
  const { partner, state, deployments } = options;
  const routes = new Hono();
  const tools = resourceToolsRoutes({ partner, state, products: options.products });

  routes.get("/", (c) =>
    page(c, "Integration", dashboardPage([...state.installations.values()], options.partnerUrl)),
  );

  routes.post("/console/install", async (c) => {
    const installation = await partner.install();
    return c.redirect(`/installations/${installation.id}`, 303);
  });

  routes.get("/installations/:id", async (c) => {
    const installation = state.installations.get(c.req.param("id"));
    if (!installation) return page(c, "Not found", errorBox("No such installation"), 404);
    const query = c.req.query();
    const selectedProduct =
      options.products.find((product) => product.id === query.productId) ?? options.products[0];
    const metadata = metadataFromForm(selectedProduct?.metadataSchema, query);
    let plans: Awaited<ReturnType<PartnerClient["productPlans"]>> = [];
    let plansError: Html | undefined;
    if (selectedProduct && installation.status === "installed") {
      try {
        plans = await partner.productPlans(selectedProduct.id, metadata);
      } catch (error) {
        plansError = describeFailure(error);
      }
    }
    return page(
      c,
      installation.id,
      installationPage({
        installation,
        resources: state.resourcesOf(installation.id),
        products: options.products,
        selectedProduct,
        metadata,
        name: query.name,
        billingPlanId: query.billingPlanId,
        plans,
        plansError,
      }),
    );
  });

  routes.post("/installations/:id/resources", async (c) => {
    const installationId = c.req.param("id");
    const form = await formValues(c);
    const product = options.products.find((candidate) => candidate.id === form.productId);
    const metadata: JsonObject = metadataFromForm(product?.metadataSchema, form);
    try {
      const resource = await partner.provision(installationId, {
        productId: form.productId ?? "",
        name: form.name ?? "",
        metadata,
        billingPlanId: form.billingPlanId ?? "",
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
        product: options.products.find((product) => product.id === resource.productId),
        tools: panels.body,
      }),
      200,
      { refreshSeconds: resource.deleted ? undefined : panels.refreshSeconds },
    );
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
    try {
      await partner.uninstall(id, { cascade: form.cascade === "true" });
      return c.redirect(`/installations/${id}`, 303);
    } catch (error) {
      return page(c, "Uninstall failed", describeFailure(error), 400);
    }
  });

  routes.get("/projects/:pid", (c) => {
    const project = state.projects.get(c.req.param("pid"));
    if (!project) return page(c, "Not found", errorBox("No such project"), 404);
    const env = Object.fromEntries(
      ENVIRONMENTS.map((environment) => [environment, state.projectEnv(project.id, environment)]),
    ) as Record<Environment, Record<string, string>>;
    return page(
      c,
      project.name,
      projectPage({ project, env, deployments: deployments.list(project.id) }),
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

  routes.get("/deployments/:id", (c) => {
    const deployment = deployments.get(c.req.param("id"));
    if (!deployment) return page(c, "Not found", errorBox("No such deployment"), 404);
    // Watching provisioning → ready needs no script: the page reloads until it settles.
    const refreshSeconds = deployment.state === "provisioning" ? 1 : undefined;
    return page(c, deployment.id, deploymentPage(deployment), 200, { refreshSeconds });
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

  routes.get("/webhooks", (c) => {
    const type = SAMPLE_EVENT_TYPES.find((candidate) => candidate === c.req.query("type"));
    const chosen = type ?? SAMPLE_EVENT_TYPES[0] ?? "";
    const payload = JSON.stringify(samplePayload(chosen, state), null, 2);
    return page(c, "Webhooks", triggerPage({ types: SAMPLE_EVENT_TYPES, type: chosen, payload }));
  });

  routes.post("/webhooks", async (c) => {
    const form = await formValues(c);
    const type = form.type ?? "";
    const view = { types: SAMPLE_EVENT_TYPES, type, payload: form.payload ?? "" };
    let payload: unknown;
    try {
      payload = JSON.parse(view.payload);
    } catch {
      return page(
        c,
        "Webhooks",
        triggerPage({ ...view, error: "The payload is not valid JSON" }),
        400,
      );
    }
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
      return page(
        c,
        "Webhooks",
        triggerPage({ ...view, error: "The payload must be a JSON object" }),
        400,
      );
    }
    const result = await options.deliver(type, payload as Record<string, unknown>, {
      duplicates: Math.min(5, Math.max(0, Number(form.duplicates) || 0)),
      tamper: form.tamper === "signature" || form.tamper === "body" ? form.tamper : undefined,
      retry: { attempts: 1 },
    });
    return page(c, "Webhooks", triggerPage({ ...view, result }));
  });

  routes.route("/", tools.routes);
  if (options.billing) routes.route("/", billingConsoleRoutes(options.billing));

  routes.get("/timeline", (c) => page(c, "Timeline", timelinePage(options.recorder.list())));

  return routes;
}
