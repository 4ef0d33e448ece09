import { PartnerError } from "../../core/partner-error.ts";
import {
  DeleteInstallationRequest,
  DeleteInstallationResponse,
  InstallationResponse,
  UpdateInstallationRequest,
  UpsertInstallationRequest,
} from "../../protocol/installations.ts";
import { requestContext } from "../request-context.ts";
import type { RouteOptions } from "../route-deps.ts";
import { errorResponse, installationNotFound } from "../route-responses.ts";
import { defineRoute, type Route } from "../route-spec.ts";

const PATH = "/v1/installations/:installationId";
const TAG = "Installations";
const conflict = errorResponse("The installation is in a state that does not allow this");

/** Spec §4.1–§4.4. */
export const installationRoutes: readonly Route<RouteOptions>[] = [
  defineRoute({
    method: "get",
    path: PATH,
    tag: TAG,
    section: "§4.1",
    summary: "Get Installation",
    description: "The installation's billing plan (absent: billed per resource) and notification.",
    auth: { kind: "vercel", allow: ["system", "user"], write: false },
    responses: {
      200: { description: "The installation", schema: InstallationResponse },
      404: installationNotFound,
    },
    handle: async (c, _body, { installations }) =>
      c.json(await installations.get(requestContext(c), c.req.param("installationId"))),
  }),
  defineRoute({
    method: "put",
    path: PATH,
    tag: TAG,
    section: "§4.2",
    summary: "Upsert Installation",
    description:
      "A team accepted the integration's terms: stores the installation and its Vercel API token (encrypted). Repeatable.",
    auth: { kind: "vercel", allow: ["user"], write: true },
    idempotent: true,
    body: { schema: UpsertInstallationRequest },
    responses: {
      200: { description: "The installation", schema: InstallationResponse },
      409: conflict,
    },
    handle: async (c, body, { installations }) => {
      const request = requestContext(c);
      if (request.caller.authType !== "user")
        throw new PartnerError(403, "forbidden", "User auth required");
      const caller = request.caller;
      return c.json(
        await installations.upsert({ ...request, caller }, c.req.param("installationId"), body),
      );
    },
  }),
  defineRoute({
    method: "patch",
    path: PATH,
    tag: TAG,
    section: "§4.3",
    summary: "Update Installation",
    description: "Changes the installation-level billing plan.",
    auth: { kind: "vercel", allow: ["user"], write: true },
    idempotent: true,
    body: { schema: UpdateInstallationRequest },
    responses: {
      200: { description: "The installation", schema: InstallationResponse },
      404: installationNotFound,
      409: conflict,
    },
    handle: async (c, body, { installations }) =>
      c.json(await installations.update(requestContext(c), c.req.param("installationId"), body)),
  }),
  defineRoute({
    method: "delete",
    path: PATH,
    tag: TAG,
    section: "§4.4",
    summary: "Delete Installation",
    description:
      "Uninstalls. `finalized: true` tells Vercel no final invoice will follow, so it need not wait 24 h.",
    auth: { kind: "vercel", allow: ["user", "system"], write: true },
    idempotent: true,
    body: { schema: DeleteInstallationRequest, optional: true },
    responses: {
      200: { description: "Uninstalled", schema: DeleteInstallationResponse },
      404: installationNotFound,
      409: conflict,
    },
    handle: async (c, body, { installations }) =>
      c.json(await installations.delete(requestContext(c), c.req.param("installationId"), body)),
  }),
];
