import { expect } from "vitest";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "./bodies.ts";
import type { TestIssuer } from "./issuer.ts";
import { installationBody, provisionBody } from "./partner-app.ts";

/**
 * Installs icfg_1 on the server at `url` and provisions one Acme KV resource in it, over HTTP with
 * an ADMIN user's token; returns the resource and the headers that carry the token.
 */
export async function installAndProvision(url: string, issuer: TestIssuer) {
  const user = {
    authorization: `Bearer ${await issuer.userToken()}`,
    "content-type": "application/json",
  };
  const installed = await fetch(`${url}/v1/installations/icfg_1`, {
    method: "PUT",
    headers: user,
    body: JSON.stringify(installationBody()),
  });
  expect(installed.status).toBe(200);
  const provisioned = await fetch(`${url}/v1/installations/icfg_1/resources`, {
    method: "POST",
    headers: user,
    body: JSON.stringify(provisionBody()),
  });
  return { resource: await readBody(provisioned, ProvisionResourceResponse), user };
}
