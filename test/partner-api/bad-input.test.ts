import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { acmeKvPlans } from "../../examples/acme-kv/src/plans.ts";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { PartnerError } from "../../packages/partnerkit/src/core/partner-error.ts";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
afterEach(() => partner.close());

const RESOURCES = "/v1/installations/icfg_1/resources";

async function expectErrorBody(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = ErrorBody.parse(await response.json());
  expect(body.error.code).toBe(code);
  return body.error;
}

describe("bad input", () => {
  it("answers malformed JSON with a 400 error body", async () => {
    partner = await createTestPartner();
    await install(partner);
    await expectErrorBody(
      await partner.call("POST", RESOURCES, { body: "{not json" }),
      400,
      "bad_request",
    );
    await expectErrorBody(await partner.call("POST", RESOURCES, { body: "" }), 400, "bad_request");
    await expectErrorBody(
      await partner.call("POST", RESOURCES, { body: "[1,2]" }),
      400,
      "validation_error",
    );
  });

  it("answers a body over the limit with 413 and stores nothing", async () => {
    partner = await createTestPartner();
    await install(partner);
    const huge = provisionBody({ name: "x".repeat(1024 * 1024 + 1) });
    await expectErrorBody(
      await partner.call("POST", RESOURCES, { body: huge }),
      413,
      "payload_too_large",
    );
    expect(await partner.store.listResources("icfg_1")).toEqual([]);
  });

  it("answers unknown routes and methods with a 404 error body", async () => {
    partner = await createTestPartner();
    await expectErrorBody(await partner.call("GET", "/v1/nothing-here"), 404, "not_found");
    await expectErrorBody(
      await partner.call("POST", "/v1/installations/icfg_1/plans"),
      404,
      "not_found",
    );
  });

  it("names every invalid field of a body", async () => {
    partner = await createTestPartner();
    await install(partner);
    const error = await expectErrorBody(
      await partner.call("POST", RESOURCES, { body: { productId: "acme-kv", metadata: "nope" } }),
      400,
      "validation_error",
    );
    expect(error.fields?.map((field) => field.key).sort()).toEqual([
      "billingPlanId",
      "metadata",
      "name",
    ]);
  });
});

describe("errors thrown by provider hooks", () => {
  const integration = (failure: Error) => () =>
    defineIntegration({
      products: [
        defineProduct({
          id: "acme-kv",
          metadata: z.object({ region: z.string() }),
          plans: acmeKvPlans,
          async provision() {
            throw failure;
          },
        }),
      ],
    });

  it("turns a PartnerError into its status with the user-facing message", async () => {
    partner = await createTestPartner({
      integration: integration(
        PartnerError.conflict("quota exceeded", {
          userMessage: "Your Acme account has reached its database limit.",
          userUrl: "https://acme.test/limits",
        }),
      ),
    });
    await install(partner);
    const response = await partner.call("POST", RESOURCES, { body: provisionBody() });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: {
        code: "conflict",
        message: "quota exceeded",
        user: {
          message: "Your Acme account has reached its database limit.",
          url: "https://acme.test/limits",
        },
      },
    });
  });

  it("hides any other error behind a generic 500 body", async () => {
    partner = await createTestPartner({
      integration: integration(new Error("password=hunter2 at db.internal")),
    });
    await install(partner);
    const response = await partner.call("POST", RESOURCES, { body: provisionBody() });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("hunter2");
    expect(await partner.store.listResources("icfg_1")).toEqual([]);
  });
});
