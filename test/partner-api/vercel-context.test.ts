import { afterEach, expect, it } from "vitest";
import { acmeKvPlans } from "../../examples/acme-kv/src/plans.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import {
  createOneProductPartner,
  install,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

let partner: TestPartner;
afterEach(() => partner.close());

it("hands hooks ctx.vercel, authenticated with the installation's token", async () => {
  const vercel = await emulatedVercelApi();
  partner = await createOneProductPartner(vercel, {
    plans: acmeKvPlans,
    // e.g. a rename done on the provider's side, announced to Vercel (spec §5.5)
    async update(ctx, resource) {
      await ctx.vercel.resourceUpdated(resource.id);
      return undefined;
    },
  });
  await install(partner);
  const created = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody(),
  });
  const resource = await readBody(created, ProvisionResourceResponse);
  vercel.knowResource(resource);
  const patched = await partner.call("PATCH", `/v1/installations/icfg_1/resources/${resource.id}`, {
    body: { name: "renamed" },
  });
  expect(patched.status).toBe(200);
  expect(vercel.calls()).toEqual([
    { method: "POST", path: "/v1/installations/icfg_1/events", status: 201 },
  ]);
  expect(vercel.events().map((received) => received.event)).toEqual([
    { type: "resource.updated", resourceId: resource.id },
  ]);
});
