import { afterEach, expect, it } from "vitest";
import { z } from "zod";
import { defineIntegration, defineProduct } from "../../src/core/define-integration.ts";
import { acmeKvPlans } from "../../src/demo/acme-kv/plans.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";
import { fakeVercelApi } from "../support/vercel-fake.ts";

let partner: TestPartner;
afterEach(() => partner.close());

it("hands hooks ctx.vercel, authenticated with the installation's token", async () => {
  const vercel = fakeVercelApi();
  partner = await createTestPartner({
    services: { vercel: { baseUrl: "https://api.vercel.test", fetch: vercel.fetch } },
    integration: () =>
      defineIntegration({
        products: [
          defineProduct({
            id: "acme-kv",
            metadata: z.object({ region: z.string() }),
            plans: acmeKvPlans,
            async provision(ctx, request) {
              await ctx.vercel.resourceUpdated(request.id);
              return { status: "pending", secrets: [] };
            },
          }),
        ],
      }),
  });
  await install(partner);
  const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody(),
  });
  expect(response.status).toBe(200);
  expect(vercel.calls).toEqual([
    {
      method: "POST",
      path: "/v1/installations/icfg_1/events",
      authorization: "Bearer vercel_installation_token_secret",
      body: { event: { type: "resource.updated", resourceId: expect.stringMatching(/^res_/) } },
    },
  ]);
});
