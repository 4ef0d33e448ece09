import { Hono } from "hono";
import { z } from "zod";
import { BillingPlan } from "../../../protocol/common.ts";
import {
  applySecrets,
  type VercelBillingPlan,
  VercelImportResourceRequest,
  VercelUpdateResourceRequest,
  VercelUpdateSecretsRequest,
} from "../../../protocol/vercel-api.ts";
import type { EmulatedInstallation, EmulatedResource, EmulatorState } from "../../state.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError, issuesToFields } from "../errors.ts";
import { stripUndefined } from "../objects.ts";
import { readVercelBody } from "../unknown-fields.ts";

/** Resource calls: import (§5.8), update (§5.9), update secrets by id (§5.11). */
export function resourceRoutes({ state, store }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();

  routes.put("/v1/installations/:id/resources/:resourceId", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const resourceId = c.req.param("resourceId");
    const body = await readVercelBody(c, VercelImportResourceRequest);
    const existing = state.resources.get(resourceId);
    if (existing && existing.installationId !== installation.id) {
      throw ApiError.conflict(`Resource ${resourceId} belongs to another installation`);
    }
    const saved = state.saveResource(
      installation.id,
      {
        id: resourceId,
        productId: body.productId,
        name: body.name,
        metadata: body.metadata ?? {},
        status: body.status,
        ...(body.billingPlan && { billingPlan: resourcePlan(body.billingPlan) }),
        ...(body.notification && { notification: body.notification }),
      },
      body.secrets,
    );
    store.resourceExtras.set(resourceId, { ownership: body.ownership, extras: body.extras });
    return c.json({ name: saved.name }, 200);
  });

  routes.patch("/v1/installations/:id/resources/:resourceId", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const resource = ownResource(state, installation, c.req.param("resourceId"));
    const { ownership, extras, secrets, billingPlan, notification, ...fields } =
      await readVercelBody(c, VercelUpdateResourceRequest);
    Object.assign(resource, stripUndefined(fields));
    if (billingPlan) resource.billingPlan = resourcePlan(billingPlan);
    if (notification === null) delete resource.notification;
    else if (notification) resource.notification = notification;
    if (secrets) {
      resource.secrets = Array.isArray(secrets)
        ? applySecrets(resource.secrets, { secrets })
        : applySecrets(resource.secrets, secrets);
    }
    if (ownership || extras) {
      const previous = store.resourceExtras.get(resource.id);
      store.resourceExtras.set(resource.id, {
        ownership: ownership ?? previous?.ownership,
        extras: extras ?? previous?.extras,
      });
    }
    return c.json({ name: resource.name }, 200);
  });

  routes.put("/v1/installations/:id/resources/:resourceId/secrets", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const resource = ownResource(state, installation, c.req.param("resourceId"));
    const body = await readVercelBody(c, VercelUpdateSecretsRequest);
    resource.secrets = applySecrets(resource.secrets, body);
    return c.body(null, 201);
  });

  return routes;
}

export function ownResource(
  state: EmulatorState,
  installation: EmulatedInstallation,
  resourceId: string,
): EmulatedResource {
  const resource = state.resources.get(resourceId);
  if (resource?.installationId !== installation.id || resource.deleted) {
    throw ApiError.notFound(`No resource ${resourceId} in this installation`);
  }
  return resource;
}

const KnownPlanFields = z.object(BillingPlan.shape);

/** The plan as the partner representation keeps it: known fields only, `description` filled. */
function resourcePlan(plan: VercelBillingPlan): BillingPlan {
  const result = KnownPlanFields.safeParse({ ...plan, description: plan.description ?? "" });
  if (result.success) return result.data;
  const fields = issuesToFields(result.error.issues, ["billingPlan"]);
  throw ApiError.invalid(fields);
}
