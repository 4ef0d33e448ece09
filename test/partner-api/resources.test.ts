import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlansResponse } from "../../packages/partnerkit/src/protocol/common.ts";
import {
  ListResourcesResponse,
  ProvisionResourceResponse,
  Resource,
} from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody, readError } from "../support/bodies.ts";
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

async function provision(overrides: Record<string, unknown> = {}) {
  const response = await partner.call("POST", RESOURCES, { body: provisionBody(overrides) });
  expect(response.status).toBe(200);
  return ProvisionResourceResponse.parse(await response.json());
}

describe("POST /v1/installations/:id/resources", () => {
  it("provisions a ready resource whose secrets reach a working data plane", async () => {
    const resource = await provision({ name: "sessions", externalId: "deploy-button-1" });
    expect(resource).toMatchObject({
      productId: "acme-kv",
      name: "sessions",
      metadata: { region: "iad1" },
      status: "ready",
      billingPlan: { id: "free", type: "subscription", paymentMethodRequired: false },
    });
    const secrets = Object.fromEntries(
      resource.secrets.map((secret) => [secret.name, secret.value]),
    );
    expect(secrets.KV_REST_API_URL).toBe(`http://partner.test/kv/${resource.id}`);

    const auth = { authorization: `Bearer ${secrets.KV_REST_API_TOKEN}` };
    const path = `/kv/${resource.id}/greeting`;
    expect(
      (await partner.app.request(path, { method: "PUT", headers: auth, body: "hello" })).status,
    ).toBe(204);
    const read = await partner.app.request(path, { headers: auth });
    expect(await read.text()).toBe("hello");
    expect(
      (await partner.app.request(path, { headers: { authorization: "Bearer wrong" } })).status,
    ).toBe(401);
    expect((await partner.store.getResource("icfg_1", resource.id))?.externalId).toBe(
      "deploy-button-1",
    );
  });

  it("answers 400 with fields naming the metadata key the product schema refused", async () => {
    const response = await partner.call("POST", RESOURCES, {
      body: provisionBody({ metadata: { region: "mars" } }),
    });
    expect(response.status).toBe(400);
    const error = await readError(response);
    expect(error.code).toBe("validation_error");
    expect(error.fields).toEqual([expect.objectContaining({ key: "region" })]);
    expect(await partner.store.listResources("icfg_1")).toEqual([]);
  });

  it("answers 400 for an unknown product or plan", async () => {
    const unknownProduct = await partner.call("POST", RESOURCES, {
      body: provisionBody({ productId: "acme-sql" }),
    });
    expect(unknownProduct.status).toBe(400);
    expect((await readError(unknownProduct)).fields?.[0]?.key).toBe("productId");
    const unknownPlan = await partner.call("POST", RESOURCES, {
      body: provisionBody({ billingPlanId: "gold" }),
    });
    expect(unknownPlan.status).toBe(400);
    expect((await readError(unknownPlan)).fields?.[0]?.key).toBe("billingPlanId");
  });

  it("answers 404 when the installation does not exist", async () => {
    const response = await partner.call("POST", "/v1/installations/icfg_9/resources", {
      installationId: "icfg_9",
      body: provisionBody(),
    });
    expect(response.status).toBe(404);
  });
});

describe("GET, PATCH and DELETE a resource", () => {
  it("returns the resource without secrets", async () => {
    const { secrets: _secrets, ...created } = await provision();
    const response = await partner.call("GET", `${RESOURCES}/${created.id}`, { auth: "system" });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Resource.parse(body)).toEqual(created);
    expect(JSON.stringify(body)).not.toContain("KV_REST_API_TOKEN");
  });

  it("does not show one installation's resource to another", async () => {
    const resource = await provision();
    await install(partner, "icfg_2");
    const response = await partner.call(
      "GET",
      `/v1/installations/icfg_2/resources/${resource.id}`,
      {
        installationId: "icfg_2",
        auth: "system",
      },
    );
    expect(response.status).toBe(404);
  });

  it("renames, changes metadata and plan, and prices the plan for the resource's region", async () => {
    const resource = await provision({ metadata: { region: "fra1" } });
    const response = await partner.call("PATCH", `${RESOURCES}/${resource.id}`, {
      body: { name: "renamed", metadata: { evictionPolicy: "allkeys-lru" }, billingPlanId: "pro" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: "renamed",
      metadata: { region: "fra1", evictionPolicy: "allkeys-lru" },
      billingPlan: { id: "pro", cost: "$24.00/month + usage" },
    });
  });

  it("refuses a metadata change the schema rejects and keeps the resource as it was", async () => {
    const resource = await provision();
    const response = await partner.call("PATCH", `${RESOURCES}/${resource.id}`, {
      body: { name: "x", metadata: { region: "mars" } },
    });
    expect(response.status).toBe(400);
    expect(await partner.store.getResource("icfg_1", resource.id)).toMatchObject({
      name: "cache",
      metadata: { region: "iad1" },
    });
  });

  it("deletes through the provider hook, and a second delete is still 204", async () => {
    const resource = await provision();
    const token =
      resource.secrets.find((secret) => secret.name === "KV_REST_API_TOKEN")?.value ?? "";
    const first = await partner.call("DELETE", `${RESOURCES}/${resource.id}`);
    expect(first.status).toBe(204);
    expect(await first.text()).toBe("");
    expect(
      (await partner.call("DELETE", `${RESOURCES}/${resource.id}`, { auth: "system" })).status,
    ).toBe(204);
    expect(
      (await partner.call("GET", `${RESOURCES}/${resource.id}`, { auth: "system" })).status,
    ).toBe(404);
    expect(await partner.kv.authorize(resource.id, token)).toBe(false);
  });

  it("answers 404 when deleting or patching a resource that never existed", async () => {
    expect((await partner.call("DELETE", `${RESOURCES}/res_nope`)).status).toBe(404);
    expect(
      (await partner.call("PATCH", `${RESOURCES}/res_nope`, { body: { name: "x" } })).status,
    ).toBe(404);
  });
});

describe("listing and plans", () => {
  it("lists live resources, filtered by repeated ids (deprecated endpoint)", async () => {
    const a = await provision({ name: "a" });
    const b = await provision({ name: "b" });
    const c = await provision({ name: "c" });
    await partner.call("DELETE", `${RESOURCES}/${c.id}`);
    const all = await readBody(
      await partner.call("GET", RESOURCES, { auth: "system" }),
      ListResourcesResponse,
    );
    expect(all.resources.map((resource) => resource.id)).toEqual([a.id, b.id]);
    const filtered = await readBody(
      await partner.call("GET", `${RESOURCES}?ids=${b.id}`, { auth: "system" }),
      ListResourcesResponse,
    );
    expect(filtered.resources.map((resource) => resource.name)).toEqual(["b"]);
  });

  it("prices product plans from the metadata query, before any installation", async () => {
    const token = await partner.issuer.systemToken({ installationId: null, accountId: null });
    const metadata = encodeURIComponent(JSON.stringify({ region: "fra1" }));
    const response = await partner.call("GET", `/v1/products/acme-kv/plans?metadata=${metadata}`, {
      auth: { token, header: "system" },
    });
    expect(response.status).toBe(200);
    const { plans } = await readBody(response, PlansResponse);
    expect(plans.map((plan) => plan.id)).toEqual(["free", "pro", "credits"]);
    expect(plans[1]?.cost).toBe("$24.00/month + usage");
    expect(plans[2]).toMatchObject({ type: "prepayment", minimumAmount: "10.00" });
  });

  it("answers 400 for a metadata query that is not JSON and 404 for an unknown product", async () => {
    const bad = await partner.call("GET", "/v1/products/acme-kv/plans?metadata=%7Bnope", {
      auth: "system",
    });
    expect(bad.status).toBe(400);
    expect((await readError(bad)).fields?.[0]?.key).toBe("metadata");
    expect(
      (await partner.call("GET", "/v1/products/acme-sql/plans", { auth: "system" })).status,
    ).toBe(404);
  });

  it("lists installation plans and resource plans", async () => {
    const resource = await provision();
    const installationPlans = await partner.call("GET", "/v1/installations/icfg_1/plans", {
      auth: "system",
    });
    expect((await readBody(installationPlans, PlansResponse)).plans).toHaveLength(3);
    const resourcePlans = await partner.call("GET", `${RESOURCES}/${resource.id}/plans`, {
      auth: "system",
    });
    expect(resourcePlans.status).toBe(200);
    expect((await readBody(resourcePlans, PlansResponse)).plans.map((plan) => plan.id)).toContain(
      "pro",
    );
  });
});
