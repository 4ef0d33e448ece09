import {
  CreateTransferRequest,
  CreateTransferResponse,
  VerifyTransferResponse,
} from "../../protocol/transfers.ts";
import { requestContext } from "../request-context.ts";
import type { RouteOptions } from "../route-deps.ts";
import { errorResponse } from "../route-responses.ts";
import { defineRoute, type Route, type RouteAuth } from "../route-spec.ts";

const COLLECTION = "/v1/installations/:installationId/resource-transfer-requests";
const CLAIM = `${COLLECTION}/:providerClaimId` as const;
const TAG = "Transfers";
const SYSTEM: RouteAuth = { kind: "vercel", allow: ["system"], write: true };
const claimNotFound = errorResponse("No such transfer");
const claimClosed = errorResponse(
  "The transfer is completed or expired, or its resources are gone",
);

/**
 * Resource transfers, spec §4.16 (current docs' shape). The path's installation is the source on
 * create and the target on verify and accept; the token must be issued for it either way.
 */
export const transferRoutes: readonly Route<RouteOptions>[] = [
  defineRoute({
    method: "post",
    path: COLLECTION,
    tag: TAG,
    section: "§4.16",
    summary: "Create Resource Transfer Request",
    description: "The path's installation owns the resources and offers them to another team.",
    auth: SYSTEM,
    idempotent: true,
    body: { schema: CreateTransferRequest },
    responses: {
      200: { description: "The claim", schema: CreateTransferResponse },
      422: errorResponse("A resource is not in this installation"),
    },
    handle: async (c, body, { transfers }) =>
      c.json(await transfers.create(requestContext(c), c.req.param("installationId"), body)),
  }),
  // Verify's auth type is UNCONFIRMED (system expected): a read, so both are tolerated.
  defineRoute({
    method: "get",
    path: `${CLAIM}/verify`,
    tag: TAG,
    section: "§4.16",
    summary: "Verify Resource Transfer Request",
    description: "The path's installation is the team that would receive the resources.",
    auth: { kind: "vercel", allow: ["system", "user"], write: false },
    responses: {
      200: { description: "Whether the claim can be accepted", schema: VerifyTransferResponse },
      404: claimNotFound,
      409: claimClosed,
    },
    handle: async (c, _body, { transfers }) => {
      const { installationId, providerClaimId } = c.req.param();
      return c.json(await transfers.verify(requestContext(c), installationId, providerClaimId));
    },
  }),
  // The reference answers 204; the flows prose shows a body in and `{ success: true }` out
  // (UNCONFIRMED): any body is ignored and the answer is 204.
  defineRoute({
    method: "post",
    path: `${CLAIM}/accept`,
    tag: TAG,
    section: "§4.16",
    summary: "Accept Resource Transfer Request",
    description:
      "Moves the resources to the path's installation. A body, if any, is ignored; a repeat for the same target is idempotent.",
    auth: SYSTEM,
    idempotent: true,
    responses: {
      204: { description: "Transferred" },
      404: claimNotFound,
      409: claimClosed,
    },
    handle: async (c, _body, { transfers }) => {
      const { installationId, providerClaimId } = c.req.param();
      await transfers.accept(requestContext(c), installationId, providerClaimId);
      return c.body(null, 204);
    },
  }),
];
