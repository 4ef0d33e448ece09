import { Hono } from "hono";
import { ReplRequest } from "../../protocol/repl.ts";
import { RotateSecretsRequest } from "../../protocol/secrets-rotation.ts";
import type { RouteOptions } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { requestContext } from "../request-context.ts";
import { vercelAuth } from "../vercel-auth.ts";

const ITEM = "/v1/installations/:installationId/resources/:resourceId";

/** Secrets rotation (spec §4.10) and the REPL (§4.11). */
export function resourceOperationRoutes({
  verify,
  idempotent,
  rotations,
  repl,
}: RouteOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.post(
    `${ITEM}/secrets/rotate`,
    vercelAuth(verify, { allow: ["user", "system"], write: true }),
    idempotent,
    async (c) => {
      // The body is optional: a rotation without a reason or a grace period.
      const body = await readJson(c, RotateSecretsRequest, true);
      const { installationId, resourceId } = c.req.param();
      const answer = await rotations.request(requestContext(c), installationId, resourceId, body);
      return c.json(answer, answer.sync ? 200 : 202);
    },
  );

  // A USER-role member may run the REPL, but only its commands that read (checked per command).
  routes.post(
    `${ITEM}/repl`,
    vercelAuth(verify, { allow: ["user"], write: false }),
    idempotent,
    async (c) => {
      const body = await readJson(c, ReplRequest);
      const { installationId, resourceId } = c.req.param();
      return c.json(await repl.run(requestContext(c), installationId, resourceId, body));
    },
  );

  return routes;
}
