import { ReplRequest, ReplResponse } from "../../protocol/repl.ts";
import { RotateSecretsRequest, RotateSecretsResponse } from "../../protocol/secrets-rotation.ts";
import { requestContext } from "../request-context.ts";
import type { RouteOptions } from "../route-deps.ts";
import { errorResponse, resourceNotFound } from "../route-responses.ts";
import { defineRoute, type Route } from "../route-spec.ts";

const ITEM = "/v1/installations/:installationId/resources/:resourceId";

/** Secrets rotation (spec §4.10) and the REPL (§4.11). */
export const resourceOperationRoutes: readonly Route<RouteOptions>[] = [
  defineRoute({
    method: "post",
    path: `${ITEM}/secrets/rotate`,
    tag: "Resources",
    section: "§4.10",
    summary: "Request Secrets Rotation",
    description:
      "Rotates at once (200 with the new secrets) or later (202, finished through Vercel's Update Secrets). The old secrets stay valid for `delayOldSecretsExpirationHours`.",
    auth: { kind: "vercel", allow: ["user", "system"], write: true },
    idempotent: true,
    // The body is optional: a rotation without a reason or a grace period.
    body: { schema: RotateSecretsRequest, optional: true },
    responses: {
      200: { description: "Rotated: the new secrets", schema: RotateSecretsResponse },
      202: { description: "Rotation started; it finishes later", schema: RotateSecretsResponse },
      404: resourceNotFound,
      409: errorResponse("A rotation of this resource is still in progress"),
      422: errorResponse("The product does not rotate secrets"),
    },
    handle: async (c, body, { rotations }) => {
      const { installationId, resourceId } = c.req.param();
      const answer = await rotations.request(requestContext(c), installationId, resourceId, body);
      return c.json(answer, answer.sync ? 200 : 202);
    },
  }),
  // A USER-role member may run the REPL, but only its commands that read (checked per command).
  defineRoute({
    method: "post",
    path: `${ITEM}/repl`,
    tag: "Resources",
    section: "§4.11",
    summary: "Resource REPL",
    description:
      "Runs one command of the product's REPL. Members without the ADMIN role may run only the commands that read.",
    auth: { kind: "vercel", allow: ["user"], write: false },
    idempotent: true,
    body: { schema: ReplRequest },
    responses: {
      200: { description: "The command's output as blocks", schema: ReplResponse },
      400: errorResponse("Unknown command or wrong usage"),
      404: resourceNotFound,
      422: errorResponse("The product has no REPL"),
    },
    handle: async (c, body, { repl }) => {
      const { installationId, resourceId } = c.req.param();
      return c.json(await repl.run(requestContext(c), installationId, resourceId, body));
    },
  }),
];
