import { Hono } from "hono";
import { PartnerError } from "../../core/partner-error.ts";
import {
  DeleteInstallationRequest,
  UpdateInstallationRequest,
  UpsertInstallationRequest,
} from "../../protocol/installations.ts";
import type { RouteOptions } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { requestContext } from "../request-context.ts";
import { vercelAuth } from "../vercel-auth.ts";

const PATH = "/v1/installations/:installationId";

/** Spec §4.1–§4.4. */
export function installationRoutes({
  verify,
  idempotent,
  installations,
}: RouteOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get(PATH, vercelAuth(verify, { allow: ["system", "user"], write: false }), async (c) =>
    c.json(await installations.get(requestContext(c), c.req.param("installationId"))),
  );

  routes.put(PATH, vercelAuth(verify, { allow: ["user"], write: true }), idempotent, async (c) => {
    const request = requestContext(c);
    if (request.caller.authType !== "user")
      throw new PartnerError(403, "forbidden", "User auth required");
    const body = await readJson(c, UpsertInstallationRequest);
    const caller = request.caller;
    return c.json(
      await installations.upsert({ ...request, caller }, c.req.param("installationId"), body),
    );
  });

  routes.patch(
    PATH,
    vercelAuth(verify, { allow: ["user"], write: true }),
    idempotent,
    async (c) => {
      const body = await readJson(c, UpdateInstallationRequest);
      return c.json(
        await installations.update(requestContext(c), c.req.param("installationId"), body),
      );
    },
  );

  routes.delete(
    PATH,
    vercelAuth(verify, { allow: ["user", "system"], write: true }),
    idempotent,
    async (c) => {
      const body = await readJson(c, DeleteInstallationRequest, true);
      return c.json(
        await installations.delete(requestContext(c), c.req.param("installationId"), body),
      );
    },
  );

  return routes;
}
