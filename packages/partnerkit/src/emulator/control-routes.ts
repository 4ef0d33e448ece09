import { Hono } from "hono";
import { z } from "zod";
import { JsonObject } from "../protocol/common.ts";
import { defaultMetadata } from "./console/metadata-form.ts";
import type { ConsoleProduct } from "./console/pages.ts";
import type { DeploymentSimulator } from "./deployments.ts";
import { ENVIRONMENTS } from "./env-vars.ts";
import { PartnerCallError, type PartnerClient } from "./partner-client.ts";
import { samplePayload } from "./sample-events.ts";
import type { EmulatedResource, EmulatorState } from "./state.ts";
import { ApiError, handleApiError, readBody } from "./vercel-api/errors.ts";
import type { Deliver } from "./webhook-sender.ts";

export interface ControlOptions {
  partner: PartnerClient;
  /** Products with their metadata schema: omitted metadata starts from the form's defaults. */
  products: ConsoleProduct[];
  state: EmulatorState;
  deployments: DeploymentSimulator;
  deliver: Deliver;
}

const InstallRequest = z.object({ installationId: z.string().optional() }).default({});

const ProvisionRequest = z.object({
  /** The emulator's product when it offers exactly one. */
  productId: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  /** The product form's defaults when omitted. */
  metadata: JsonObject.optional(),
  /** The first selectable plan when omitted. */
  billingPlanId: z.string().optional(),
  /** Connects the resource to this project (made when missing). */
  project: z.string().min(1).optional(),
  environments: z.array(z.enum(ENVIRONMENTS)).default([...ENVIRONMENTS]),
  prefix: z.string().optional(),
  actions: z.array(z.string().min(1)).default([]),
  /** "Sync flags to an Edge Config" ticked: an experimentation product's resource gets one. */
  syncFlags: z.boolean().default(false),
});

const DeployRequest = z.object({
  project: z.string().min(1),
  target: z.enum(["preview", "production"]).default("preview"),
  ref: z.string().optional(),
  /** Answer once the deployment is ready, failed or canceled rather than at once. */
  wait: z.boolean().default(true),
});

const TriggerRequest = z.object({
  type: z.string().min(1),
  /** Replaces the sample payload entirely. */
  payload: z.record(z.string(), z.unknown()).optional(),
  installationId: z.string().optional(),
  resourceId: z.string().optional(),
  projectId: z.string().optional(),
  deploymentId: z.string().optional(),
  invoiceId: z.string().optional(),
  duplicates: z.number().int().min(0).max(10).optional(),
  delayMs: z.number().int().min(0).max(60_000).optional(),
  tamper: z.enum(["signature", "body"]).optional(),
});

/**
 * The emulator's scriptable side, under `/__emulator/`: what the console does, as JSON, for the
 * CLI verbs (`partnerkit emulator install|provision|deploy|trigger`) and for scripts.
 */
export function controlRoutes(options: ControlOptions): Hono {
  const { partner, state, deployments, deliver } = options;
  const routes = new Hono();
  routes.onError((error, c) => {
    if (error instanceof PartnerCallError) {
      return c.json(
        {
          error: { code: "partner_refused", message: error.message },
          partnerAnswer: { status: error.answer.status, body: error.answer.body },
        },
        502,
      );
    }
    if (error instanceof ApiError) return handleApiError(error, c);
    return c.json({ error: { code: "partner_unreachable", message: String(error) } }, 502);
  });

  routes.post("/__emulator/installations", async (c) => {
    const request = await readBody(c, InstallRequest);
    const installation = await partner.install({ installationId: request.installationId });
    const { accessToken: _token, ...shown } = installation;
    return c.json({ installation: shown }, 201);
  });

  routes.post("/__emulator/installations/:id/resources", async (c) => {
    const installationId = c.req.param("id");
    if (!state.installations.has(installationId)) {
      throw ApiError.badRequest(`No installation ${installationId}; run install first`);
    }
    const request = await readBody(c, ProvisionRequest);
    const productId = request.productId ?? onlyProduct(options.products);
    const product = options.products.find((candidate) => candidate.id === productId);
    if (request.syncFlags && product && !product.experimentation?.edgeConfigSyncing) {
      throw ApiError.badRequest(
        `${productId} does not sync flags to an Edge Config: it does not declare the experimentation protocol with edgeConfigSyncingSupport`,
      );
    }
    const metadata = request.metadata ?? defaultMetadata(product?.metadataSchema);
    const billingPlanId =
      request.billingPlanId ??
      (await partner.productPlans(productId, metadata)).find((plan) => !plan.disabled)?.id;
    if (!billingPlanId) throw ApiError.badRequest(`${productId} offers no selectable plan`);
    const provisioned = await partner.provision(installationId, {
      productId,
      name: request.name ?? `my-${productId}`,
      metadata,
      billingPlanId,
      syncFlags: request.syncFlags,
    });
    const resource = await partner.refreshResource(installationId, provisioned.id);
    const project = request.project ? state.projectNamed(request.project) : undefined;
    if (project) {
      state.connect(project.id, {
        resourceId: resource.id,
        environments: request.environments,
        prefix: request.prefix,
        actions: request.actions,
      });
    }
    return c.json({ resource: withSecretNames(resource), project }, 201);
  });

  routes.post("/__emulator/deployments", async (c) => {
    const request = await readBody(c, DeployRequest);
    const project = [...state.projects.values()].find(
      (candidate) => candidate.name === request.project || candidate.id === request.project,
    );
    if (!project)
      throw ApiError.badRequest(`No project ${request.project}; provision with --project`);
    const started = await deployments.deploy(project.id, {
      target: request.target,
      ref: request.ref,
    });
    const deployment = request.wait
      ? await deployments.waitUntilSettled(started.id, 60_000)
      : started;
    return c.json({ deployment }, 201);
  });

  routes.post("/__emulator/deployments/:id/:verb{cancel|delete}", async (c) => {
    const id = c.req.param("id");
    if (!deployments.get(id)) throw ApiError.badRequest(`No deployment ${id}`);
    const deployment =
      c.req.param("verb") === "cancel"
        ? await deployments.cancel(id)
        : await deployments.remove(id);
    return c.json({ deployment });
  });

  routes.post("/__emulator/webhooks", async (c) => {
    const { type, payload, duplicates, delayMs, tamper, ...refs } = await readBody(
      c,
      TriggerRequest,
    );
    const body = payload ?? samplePayload(type, state, refs);
    if (!body) throw ApiError.badRequest(`No sample payload for ${type}; pass one with --payload`);
    const result = await deliver(type, body, { duplicates, delayMs, tamper });
    return c.json(result, 201);
  });

  return routes;
}

function onlyProduct(products: ConsoleProduct[]): string {
  const [first, ...others] = products;
  if (first && others.length === 0) return first.id;
  const offered = products.map((product) => product.id).join(", ");
  throw ApiError.badRequest(
    `Name the product to provision${offered ? `: this emulator offers ${offered}` : ""}`,
  );
}

/**
 * Secrets are named, never shown: a terminal's scrollback is not a secret store. The same goes
 * for the Edge Config's read token.
 */
function withSecretNames(resource: EmulatedResource) {
  const { secrets, edgeConfig, ...rest } = resource;
  return {
    ...rest,
    secrets: secrets.map((secret) => secret.name),
    ...(edgeConfig && { edgeConfig: { id: edgeConfig.id, createdAt: edgeConfig.createdAt } }),
  };
}
