import { describe, expect, it } from "vitest";
import { checkProductConfigs } from "../../packages/partnerkit/src/product/config-check.ts";

/** A product configuration as the console takes it. */
const good = {
  id: "kv",
  slug: "kv",
  name: "KV",
  metadataSchema: {
    type: "object",
    properties: {
      region: {
        type: "string",
        "ui:control": "vercel-region",
        default: "iad1",
        "ui:options": ["iad1", "fra1"],
      },
      size: {
        type: "array",
        "ui:control": "slider",
        items: { type: "number", minimum: 1, maximum: 8 },
        "ui:steps": [1, 2, 4, 8],
        default: [1],
      },
    },
    required: ["region", "size"],
    "ui:order": ["region", "size"],
  },
  protocols: { storage: { status: "enabled" } },
  primaryProtocol: "storage",
  deploymentActions: [],
};

describe("checking a product configuration", () => {
  it("finds nothing wrong with a good one", () => {
    expect(checkProductConfigs([good])).toEqual([]);
  });

  it("names an unknown control, a misspelt ui key and a missing option list as errors", () => {
    const bad = {
      ...good,
      metadataSchema: {
        ...good.metadataSchema,
        properties: {
          notes: { type: "string", "ui:control": "textarea" },
          plan: { type: "string", "ui:control": "select", "ui:lable": "Plan" },
        },
        required: [],
        "ui:order": [],
      },
    };
    const problems = checkProductConfigs([bad]);
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          level: "error",
          product: "kv",
          message: expect.stringMatching(
            /^metadataSchema\.properties\.notes\.ui:control: Invalid option/,
          ),
        },
        {
          level: "error",
          product: "kv",
          message: expect.stringMatching(
            /^metadataSchema\.properties\.plan: Unrecognized key: "ui:lable"/,
          ),
        },
        {
          level: "error",
          product: "kv",
          message: expect.stringMatching(/^metadataSchema\.properties\.plan\.ui:options: /),
        },
      ]),
    );
    expect(problems.every((problem) => problem.level === "error")).toBe(true);
  });

  it("warns about a required field without a default: CLI and agents fall back to the browser", () => {
    const { default: _default, ...region } = good.metadataSchema.properties.region;
    const config = {
      ...good,
      metadataSchema: {
        ...good.metadataSchema,
        properties: { ...good.metadataSchema.properties, region },
      },
    };
    expect(checkProductConfigs([config])).toEqual([
      {
        level: "warn",
        product: "kv",
        message:
          "field region is required and has no default: Vercel's CLI and agents cannot provision without a browser",
      },
    ]);
  });

  it("refuses a primary protocol the product does not enable, and names fields that do not exist", () => {
    const config = {
      ...good,
      metadataSchema: { ...good.metadataSchema, "ui:order": ["region", "size", "zone"] },
      protocols: { storage: { status: "enabled" }, ai: { status: "disabled" } },
      primaryProtocol: "ai",
    };
    expect(checkProductConfigs([config]).map((problem) => problem.message)).toEqual([
      "metadataSchema names zone, which is not a property",
      "primaryProtocol ai is not an enabled protocol of the product",
    ]);
  });

  it("refuses a default its own enum rules out", () => {
    const config = {
      ...good,
      metadataSchema: {
        type: "object",
        properties: {
          tier: {
            type: "string",
            "ui:control": "select",
            enum: ["s", "m"],
            "ui:options": [
              { value: "s", label: "S" },
              { value: "m", label: "M" },
            ],
            default: "xl",
          },
        },
      },
    };
    expect(checkProductConfigs([config])).toEqual([
      {
        level: "error",
        product: "kv",
        message: 'field tier: default "xl" is not one of its values',
      },
    ]);
  });
});
