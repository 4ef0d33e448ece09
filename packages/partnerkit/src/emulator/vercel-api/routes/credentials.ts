import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import {
  VercelRevokeCredentialRequest,
  type VercelRevokeCredentialResponse,
  VercelRotateCredentialRequest,
  type VercelRotateCredentialResponse,
} from "../../../protocol/vercel-api.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { readVercelBody } from "../unknown-fields.ts";

/**
 * Installation credential rotation, spec §5.4: a new token beside the current one; revoke retires
 * a named token but never the last live one. Both need the integration's client secret.
 */
export function credentialRoutes({ state, client }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();
  const checkClient = (secret: string, id: string | undefined) => {
    if (!client || secret !== client.secret || (id !== undefined && id !== client.id)) {
      throw new ApiError(403, "forbidden", "Invalid client credentials");
    }
  };

  routes.post("/v1/installations/:id/credentials/rotate", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const body = await readVercelBody(c, VercelRotateCredentialRequest);
    checkClient(body.client_secret, body.client_id);
    installation.previousTokens = [
      ...(installation.previousTokens ?? []),
      installation.accessToken,
    ];
    installation.accessToken = `vat_${randomBytes(24).toString("base64url")}`;
    const answer: VercelRotateCredentialResponse = {
      access_token: installation.accessToken,
      token_type: "oauth2-token",
      // UNCONFIRMED whether rotated tokens expire; the emulator's never do.
      expires_in: 0,
      scope: "read-write:integration-resource read-write:integration-configuration",
    };
    return c.json(answer, 200);
  });

  routes.post("/v1/installations/:id/credentials/revoke", async (c) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    const body = await readVercelBody(c, VercelRevokeCredentialRequest);
    checkClient(body.client_secret, body.client_id);
    const live = [installation.accessToken, ...(installation.previousTokens ?? [])];
    if (!live.includes(body.token)) {
      const answer: VercelRevokeCredentialResponse = { revoked: false, already_revoked: true };
      return c.json(answer, 200);
    }
    const rest = live.filter((token) => token !== body.token);
    const [current, ...previous] = rest;
    if (current === undefined) {
      throw ApiError.conflict("The last live credential of an installation cannot be revoked");
    }
    installation.accessToken = current;
    installation.previousTokens = previous;
    const answer: VercelRevokeCredentialResponse = { revoked: true, already_revoked: false };
    return c.json(answer, 200);
  });

  return routes;
}
