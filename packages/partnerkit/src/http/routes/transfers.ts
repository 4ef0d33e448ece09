import { Hono } from "hono";
import { CreateTransferRequest } from "../../protocol/transfers.ts";
import type { RouteOptions } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { requestContext } from "../request-context.ts";
import { vercelAuth } from "../vercel-auth.ts";

const COLLECTION = "/v1/installations/:installationId/resource-transfer-requests";
const CLAIM = `${COLLECTION}/:providerClaimId`;

/**
 * Resource transfers, spec §4.16 (current docs' shape). The path's installation is the source on
 * create and the target on verify and accept; the token must be issued for it either way.
 */
export function transferRoutes({ verify, idempotent, transfers }: RouteOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const system = vercelAuth(verify, { allow: ["system"], write: true });

  routes.post(COLLECTION, system, idempotent, async (c) => {
    const body = await readJson(c, CreateTransferRequest);
    return c.json(await transfers.create(requestContext(c), c.req.param("installationId"), body));
  });

  // Verify's auth type is UNCONFIRMED (system expected): a read, so both are tolerated.
  routes.get(
    `${CLAIM}/verify`,
    vercelAuth(verify, { allow: ["system", "user"], write: false }),
    async (c) => {
      const { installationId, providerClaimId } = c.req.param();
      return c.json(await transfers.verify(requestContext(c), installationId, providerClaimId));
    },
  );

  // The reference answers 204; the flows prose shows a body in and `{ success: true }` out
  // (UNCONFIRMED): any body is ignored and the answer is 204.
  routes.post(`${CLAIM}/accept`, system, idempotent, async (c) => {
    const { installationId, providerClaimId } = c.req.param();
    await transfers.accept(requestContext(c), installationId, providerClaimId);
    return c.body(null, 204);
  });

  return routes;
}
