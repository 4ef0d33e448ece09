import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { constantPlans } from "../../packages/partnerkit/src/core/plans.ts";
import {
  type BillingPlan,
  defineIntegration,
  defineProduct,
  InstallationResponse,
  ProvisionResourceResponse,
  Resource,
} from "../../packages/partnerkit/src/index.ts";
import { readBody } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  installationBody,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

const teamPlan: BillingPlan = {
  id: "team",
  type: "subscription",
  name: "Team",
  description: "One price for every database of the team",
  scope: "installation",
};
const hobby: BillingPlan = {
  id: "hobby",
  type: "subscription",
  name: "Hobby",
  description: "Free",
  paymentMethodRequired: false,
};

function databaseIntegration(seen: { updates: unknown[] }) {
  return defineIntegration({
    defaultInstallationPlanId: "hobby",
    installationPlans: [hobby, teamPlan],
    products: [
      defineProduct({
        id: "acme-db",
        metadata: z.object({
          region: z.enum(["iad1", "fra1"]),
          replicas: z.number().int().min(1).default(1),
        }),
        plans: [hobby, teamPlan],
        async provision(_ctx, request) {
          // Typed from the schema: `replicas` is a number with its default applied.
          const replicas: number = request.metadata.replicas;
          return {
            status: "pending",
            secrets: [
              { name: "DATABASE_URL", value: `postgres://db/${request.id}?replicas=${replicas}` },
            ],
            notification: { level: "info", title: "Your database is being created" },
          };
        },
        async update(_ctx, resource, update) {
          seen.updates.push({ from: resource.metadata.region, to: update.metadata?.region });
          return { status: "ready", notification: null };
        },
      }),
    ],
  });
}

describe("defineIntegration", () => {
  it("assigns the default installation plan when the installation is created", async () => {
    partner = await createTestPartner({ integration: () => databaseIntegration({ updates: [] }) });
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      body: installationBody(),
    });
    expect((await readBody(response, InstallationResponse)).billingPlan).toEqual(hobby);
  });

  it("applies schema defaults, keeps pending status and notification, and moves installation-scoped plans up", async () => {
    partner = await createTestPartner({ integration: () => databaseIntegration({ updates: [] }) });
    await install(partner);
    const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body: {
        productId: "acme-db",
        name: "main",
        metadata: { region: "fra1" },
        billingPlanId: "team",
      },
    });
    const resource = await readBody(response, ProvisionResourceResponse);
    expect(resource).toMatchObject({
      status: "pending",
      metadata: { region: "fra1", replicas: 1 },
      notification: { level: "info", title: "Your database is being created" },
      secrets: [{ name: "DATABASE_URL", value: `postgres://db/${resource.id}?replicas=1` }],
    });
    const installation = await partner.call("GET", "/v1/installations/icfg_1", { auth: "system" });
    expect((await readBody(installation, InstallationResponse)).billingPlan?.id).toBe("team");
  });

  it("passes updates to the hook with typed metadata and applies what it answers", async () => {
    const seen = { updates: [] as unknown[] };
    partner = await createTestPartner({ integration: () => databaseIntegration(seen) });
    await install(partner);
    const created = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body: {
        productId: "acme-db",
        name: "main",
        metadata: { region: "iad1" },
        billingPlanId: "hobby",
      },
    });
    const { id } = await readBody(created, ProvisionResourceResponse);
    const patched = await partner.call("PATCH", `/v1/installations/icfg_1/resources/${id}`, {
      body: { metadata: { region: "fra1" } },
    });
    const resource = await readBody(patched, Resource);
    expect(resource.status).toBe("ready");
    expect(resource.notification).toBeUndefined();
    expect(resource.metadata).toEqual({ region: "fra1", replicas: 1 });
    expect(seen.updates).toEqual([{ from: "iad1", to: "fra1" }]);
  });

  it("refuses duplicate product ids", () => {
    const product = defineProduct({
      id: "twice",
      metadata: z.object({}),
      plans: [],
      provision: async () => ({ secrets: [] }),
    });
    expect(() => defineIntegration({ products: [product, product] })).toThrow(/unique/);
  });

  it("refuses a static plan list that is not valid, naming the product", () => {
    const product = defineProduct({
      id: "broken",
      metadata: z.object({}),
      plans: [{ ...hobby, type: "monthly" } as unknown as BillingPlan],
      provision: async () => ({ secrets: [] }),
    });
    expect(() => defineIntegration({ products: [product] })).toThrow(/Product broken .*plans/);
  });
});

describe("plans computed by the provider", () => {
  /** One product whose plan function answers whatever `current` holds at the time. */
  async function partnerWithPlans(current: { plans: BillingPlan[] }) {
    partner = await createTestPartner({
      integration: () =>
        defineIntegration({
          products: [
            defineProduct({
              id: "acme-db",
              metadata: z.object({}),
              plans: () => current.plans,
              provision: async () => ({ secrets: [] }),
            }),
          ],
        }),
    });
    return async () => {
      const response = await partner?.call("GET", "/v1/products/acme-db/plans", { auth: "system" });
      return { status: response?.status, body: await response?.json() };
    };
  }

  it("answers what the function returns now, even when it changes the same list in place", async () => {
    const current = { plans: [{ ...hobby }] };
    const plans = await partnerWithPlans(current);
    expect((await plans()).body).toEqual({ plans: [hobby] });
    const first = current.plans[0] as BillingPlan;
    first.description = "Free, for ever";
    expect((await plans()).body).toEqual({ plans: [{ ...hobby, description: "Free, for ever" }] });
  });

  it("answers 500 with a safe body for a malformed list, frozen or not, every time", async () => {
    const malformed = [{ ...hobby, type: "monthly" }] as unknown as BillingPlan[];
    const current = { plans: malformed };
    const plans = await partnerWithPlans(current);
    for (const list of [malformed, constantPlans(malformed) as BillingPlan[]]) {
      current.plans = list;
      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect(await plans()).toEqual({
          status: 500,
          body: { error: { code: "internal_error", message: "Internal server error" } },
        });
      }
    }
  });
});
