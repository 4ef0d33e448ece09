import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readError } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
beforeEach(async () => {
  partner = await createTestPartner();
  await install(partner);
});
afterEach(() => partner.close());

const RESOURCES = "/v1/installations/icfg_1/resources";

async function provision() {
  const response = await partner.call("POST", RESOURCES, { body: provisionBody() });
  expect(response.status).toBe(200);
  return ProvisionResourceResponse.parse(await response.json());
}

describe("a field read-only on update (Acme KV's region, ui:read-only update)", () => {
  it("fills the new fields' defaults for a body that gives only the region", async () => {
    const resource = await provision();
    expect(resource.metadata).toEqual({
      region: "iad1",
      evictionPolicy: "noeviction",
      maxMemoryMb: [256],
    });
  });

  it("refuses to move the region: 400 naming the field, the resource unchanged", async () => {
    const resource = await provision();
    const response = await partner.call("PATCH", `${RESOURCES}/${resource.id}`, {
      body: { name: "moved", metadata: { region: "fra1", evictionPolicy: "allkeys-lru" } },
    });
    expect(response.status).toBe(400);
    const error = await readError(response);
    expect(error.fields).toEqual([
      { key: "region", message: "region cannot be changed after the resource is created" },
    ]);
    expect(await partner.store.getResource("icfg_1", resource.id)).toMatchObject({
      name: "cache",
      metadata: { region: "iad1", evictionPolicy: "noeviction" },
    });
  });

  it("takes the form sent back whole: the same region beside a changed editable field", async () => {
    const resource = await provision();
    const response = await partner.call("PATCH", `${RESOURCES}/${resource.id}`, {
      body: { metadata: { region: "iad1", evictionPolicy: "allkeys-lru", maxMemoryMb: [1024] } },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      metadata: { region: "iad1", evictionPolicy: "allkeys-lru", maxMemoryMb: [1024] },
    });
  });
});
