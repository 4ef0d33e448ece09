import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  configuredProductProfile,
  invalidMetadataOf,
} from "../../packages/partnerkit/src/emulator/conformance/product-profile.ts";
import { runConformance } from "../../packages/partnerkit/src/emulator/conformance/run-conformance.ts";
import type { MetadataSchema } from "../../packages/partnerkit/src/emulator/console/metadata-dialect.ts";
import { defaultMetadata } from "../../packages/partnerkit/src/emulator/console/metadata-form.ts";
import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";
import { lenientPartner } from "./conformance-fakes.ts";
import { EVERY_CONTROL } from "./metadata-dialect-fixtures.ts";

const object = (properties: MetadataSchema["properties"], required?: string[]): MetadataSchema => ({
  type: "object",
  properties,
  ...(required && { required }),
});

const derived = (schema: MetadataSchema) => invalidMetadataOf(schema, defaultMetadata(schema));

describe("conformance's invalid metadata, derived from the dialect", () => {
  it("picks a value outside a select's options", () => {
    const schema = object({
      tier: {
        type: "string",
        "ui:control": "select",
        "ui:options": [{ value: "small", label: "Small" }],
        default: "small",
      },
    });
    expect(derived(schema)).toEqual({ tier: "conformance-invalid" });
  });

  it("pushes a slider past its last step and a number past its maximum", () => {
    const slider = object({
      storage: {
        type: "array",
        items: { type: "number" },
        "ui:control": "slider",
        "ui:steps": [1, 2, 4, 8],
        default: [1],
      },
    });
    expect(derived(slider)).toEqual({ storage: [9] });
    const number = object({
      replicas: { type: "number", "ui:control": "input", maximum: 5, default: 1 },
    });
    expect(derived(number)).toEqual({ replicas: 6 });
  });

  it("sends a wrong type when the field constrains nothing else", () => {
    expect(derived(object({ name: { type: "string", "ui:control": "input" } }))).toEqual({
      name: 12345,
    });
  });

  it("leaves out what the partner's own validator would accept anyway", () => {
    const schema = object({ name: { type: "string", "ui:control": "input" } }, ["name"]);
    expect(invalidMetadataOf(schema, {}, (candidate) => candidate.name === 12345)).toEqual({});
  });

  it("profiles a product known only by its product configuration", () => {
    const profile = configuredProductProfile([{ id: "foreign-db", metadataSchema: EVERY_CONTROL }]);
    expect(profile?.metadata).toMatchObject({ region: "iad1", tier: "small", storage: [2] });
    expect(profile?.invalidMetadata).toEqual({
      ...profile?.metadata,
      region: "conformance-invalid",
    });
    expect(configuredProductProfile([], "missing")).toBeUndefined();
  });

  it("finds nothing in a schema without constraints", () => {
    expect(derived(object({}))).toBeUndefined();
    expect(derived({ type: "object" })).toBeUndefined();
  });
});

describe("the invalid-metadata check", () => {
  async function run(invalidMetadata: Record<string, unknown> | undefined) {
    const sent: unknown[] = [];
    const emulator = await createEmulator({
      url: "https://marketplace.vercel.com",
      partnerUrl: PUBLIC_URL,
      clientId: "oac_test_integration",
      clientSecret: TEST_WEBHOOK_SECRET,
      partnerFetch: async (request) => {
        if (request.method === "POST" && new URL(request.url).pathname.endsWith("/resources")) {
          const body: unknown = await request.clone().json();
          sent.push(z.object({ metadata: z.unknown() }).parse(body).metadata);
        }
        return partner.fetch(request);
      },
    });
    const partner = lenientPartner(emulator.issuer, TEST_WEBHOOK_SECRET);
    const report = await runConformance({
      partner: emulator.partner,
      issuer: emulator.issuer,
      productId: "dialect-db",
      metadata: { tier: "small" },
      invalidMetadata,
    });
    return { result: report.results.find((result) => result.id === "invalid-metadata"), sent };
  }

  it("sends the derived case, and fails a partner that takes it", async () => {
    const schema = object({
      tier: {
        type: "string",
        "ui:control": "select",
        "ui:options": [{ value: "small", label: "Small" }],
        default: "small",
      },
    });
    const { result, sent } = await run(derived(schema));
    expect(sent).toContainEqual({ tier: "conformance-invalid" });
    expect(result?.status).toBe("fail");
  }, 30_000);

  it("skips with a note naming why when the schema has nothing to break", async () => {
    const { result } = await run(derived(object({})));
    expect(result).toMatchObject({
      status: "skip",
      detail: expect.stringContaining("no constraint to break"),
    });
  }, 30_000);
});
