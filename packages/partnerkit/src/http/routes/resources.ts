import { z } from "zod";
import { PlansResponse } from "../../protocol/common.ts";
import {
  ListResourcesResponse,
  ProvisionResourceRequest,
  ProvisionResourceResponse,
  Resource,
  UpdateResourceRequest,
} from "../../protocol/resources.ts";
import { metadataParameter, metadataQuery } from "../metadata-query.ts";
import { requestContext } from "../request-context.ts";
import type { RouteOptions } from "../route-deps.ts";
import { errorResponse, installationNotFound, resourceNotFound } from "../route-responses.ts";
import { defineRoute, type Route, type RouteAuth } from "../route-spec.ts";

const COLLECTION = "/v1/installations/:installationId/resources";
const ITEM = `${COLLECTION}/:resourceId` as const;
const TAG = "Resources";
/** Reads accept both auth types (spec §2.5 recommendation). */
const READ: RouteAuth = { kind: "vercel", allow: ["system", "user"], write: false };
const conflict = errorResponse("The resource or installation does not allow this now");

/** Spec §4.5–§4.9 and §4.13. */
export const resourceRoutes: readonly Route<RouteOptions>[] = [
  defineRoute({
    method: "post",
    path: COLLECTION,
    tag: TAG,
    section: "§4.5",
    summary: "Provision Resource",
    description:
      "Creates a resource. Its secrets become environment variables of the projects it is connected to.",
    auth: { kind: "vercel", allow: ["user"], write: true },
    idempotent: true,
    body: { schema: ProvisionResourceRequest },
    responses: {
      200: { description: "The new resource with its secrets", schema: ProvisionResourceResponse },
      404: installationNotFound,
      409: conflict,
    },
    handle: async (c, body, { resources }) =>
      c.json(await resources.provision(requestContext(c), c.req.param("installationId"), body)),
  }),
  defineRoute({
    method: "get",
    path: COLLECTION,
    tag: TAG,
    section: "§4.9",
    summary: "List Resources",
    description: "Deprecated by Vercel; still answered for older callers.",
    deprecated: true,
    auth: READ,
    query: [
      {
        name: "ids",
        description: "Only these resources; all of the installation's when absent.",
        schema: z.string(),
        repeated: true,
      },
    ],
    responses: {
      200: { description: "The installation's resources", schema: ListResourcesResponse },
      404: installationNotFound,
    },
    handle: async (c, _body, { resources }) => {
      const ids = c.req.queries("ids") ?? [];
      const list = await resources.list(requestContext(c), c.req.param("installationId"), ids);
      return c.json({ resources: list });
    },
  }),
  defineRoute({
    method: "get",
    path: ITEM,
    tag: TAG,
    section: "§4.6",
    summary: "Get Resource",
    description:
      "Vercel refreshes its copy with it after provisioning and after each `resource.updated` event.",
    auth: READ,
    responses: {
      200: { description: "The resource, without secrets", schema: Resource },
      404: resourceNotFound,
    },
    handle: async (c, _body, { resources }) => {
      const { installationId, resourceId } = c.req.param();
      return c.json(await resources.get(requestContext(c), installationId, resourceId));
    },
  }),
  defineRoute({
    method: "patch",
    path: ITEM,
    tag: TAG,
    section: "§4.7",
    summary: "Update Resource",
    auth: { kind: "vercel", allow: ["user"], write: true },
    idempotent: true,
    body: { schema: UpdateResourceRequest },
    responses: {
      200: { description: "The updated resource", schema: Resource },
      404: resourceNotFound,
      409: conflict,
    },
    handle: async (c, body, { resources }) => {
      const { installationId, resourceId } = c.req.param();
      return c.json(await resources.update(requestContext(c), installationId, resourceId, body));
    },
  }),
  defineRoute({
    method: "delete",
    path: ITEM,
    tag: TAG,
    section: "§4.8",
    summary: "Delete Resource",
    description: "Idempotent: deleting a deleted resource answers 204 too.",
    auth: { kind: "vercel", allow: ["user", "system"], write: true },
    idempotent: true,
    responses: {
      204: { description: "Deleted" },
      404: installationNotFound,
      409: conflict,
    },
    handle: async (c, _body, { resources }) => {
      const { installationId, resourceId } = c.req.param();
      await resources.delete(requestContext(c), installationId, resourceId);
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: "get",
    path: `${ITEM}/plans`,
    tag: "Plans",
    section: "§4.13",
    summary: "List Billing Plans For Resource",
    description: "The plans the resource may switch to.",
    auth: READ,
    query: [metadataParameter],
    responses: {
      200: { description: "The plans", schema: PlansResponse },
      400: errorResponse("`metadata` is not a JSON object"),
      404: resourceNotFound,
      409: conflict,
    },
    handle: async (c, _body, { resources }) => {
      const { installationId, resourceId } = c.req.param();
      const plans = await resources.plans(
        requestContext(c),
        installationId,
        resourceId,
        metadataQuery(c),
      );
      return c.json({ plans });
    },
  }),
];
