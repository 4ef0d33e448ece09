import { Hono } from "hono";
import { VercelDeploymentActionRequest } from "../../../protocol/vercel-api.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { readVercelBody } from "../unknown-fields.ts";

const ACTION_PATH =
  "/v1/deployments/:deploymentId/integrations/:id/resources/:resourceId/actions/:action";

/** Get Deployment and the deployment integration action report (spec §5.17, §7). */
export function deploymentRoutes({ state, store, onActionReport }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();

  routes.get("/v13/deployments/:idOrUrl", (c) => {
    // Any live installation token reads any deployment: the fake has a single team.
    authorize(c, state, undefined, "live");
    const deployment = store.deployment(c.req.param("idOrUrl"));
    if (!deployment) throw ApiError.notFound(`No deployment ${c.req.param("idOrUrl")}`);
    return c.json(deployment, 200);
  });

  routes.patch(ACTION_PATH, async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const { deploymentId, resourceId, action } = c.req.param();
    const resource = state.resources.get(resourceId);
    if (resource?.installationId !== installation.id || resource.deleted) {
      throw ApiError.notFound(`No resource ${resourceId} in this installation`);
    }
    const body = await readVercelBody(c, VercelDeploymentActionRequest);
    // Deployments the fake never created are accepted: the emulator may start an action for any id.
    const result = store.reportAction(
      { deploymentId, installationId: installation.id, resourceId, action },
      body,
    );
    if (!result.ok) {
      throw ApiError.conflict(`The action is already ${result.status}; it takes no other report`);
    }
    onActionReport?.(result.record);
    return c.body(null, 202);
  });

  return routes;
}
