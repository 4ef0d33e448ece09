import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import {
  MetadataDialectError,
  metadataDialect,
} from "../../packages/partnerkit/src/product/metadata-dialect.ts";
import { VercelMetadataSchema } from "../../packages/partnerkit/src/product/metadata-schema.ts";

/** The product's metadata as Vercel's console would take it, checked against the dialect's schema. */
function dialect(metadata: z.ZodType) {
  return VercelMetadataSchema.parse(metadataDialect("test-db", metadata));
}

function productWith(metadata: z.ZodObject) {
  return defineProduct({
    id: "test-db",
    metadata,
    plans: [{ id: "free", type: "subscription", name: "Free", description: "Free" }],
    provision: async () => ({ secrets: [] }),
  });
}

describe("the metadata dialect: a control for each zod type", () => {
  it("picks input, toggle, select, multi-select and slider from the zod types", () => {
    const schema = dialect(
      z.object({
        name: z.string().min(3).max(20),
        replicas: z.number().int().min(1).max(5),
        backups: z.boolean(),
        tier: z.enum(["small", "large"]),
        tags: z.array(z.enum(["cache", "queue"])),
        sizeGb: z.array(z.number().min(1).max(64)),
      }),
    );
    expect(schema.properties).toEqual({
      name: { type: "string", "ui:control": "input", minLength: 3, maxLength: 20 },
      replicas: { type: "number", "ui:control": "input", minimum: 1, maximum: 5 },
      backups: { type: "boolean", "ui:control": "toggle" },
      tier: {
        type: "string",
        "ui:control": "select",
        enum: ["small", "large"],
        "ui:options": [
          { value: "small", label: "small" },
          { value: "large", label: "large" },
        ],
      },
      tags: {
        type: "array",
        "ui:control": "multi-select",
        items: { type: "string", enum: ["cache", "queue"] },
        "ui:options": [
          { value: "cache", label: "cache" },
          { value: "queue", label: "queue" },
        ],
      },
      // Vercel's slider is an array of numbers; without steps it spans the items' bounds.
      sizeGb: {
        type: "array",
        "ui:control": "slider",
        items: { type: "number", minimum: 1, maximum: 64 },
        "ui:steps": [1, 64],
      },
    });
  });

  it("requires what is neither optional nor defaulted… and defaulted fields carry their default", () => {
    const schema = dialect(
      z.object({
        region: z.enum(["iad1", "fra1"]),
        plan: z.enum(["a", "b"]).default("b"),
        note: z.string().optional(),
        on: z.boolean().default(true),
      }),
    );
    expect(schema.required).toEqual(["region", "plan", "on"]);
    expect(schema.properties.plan).toMatchObject({ default: "b" });
    expect(schema.properties.on).toMatchObject({ default: true });
    expect(schema.properties.note).not.toHaveProperty("default");
  });

  it("labels fields from the zod title and description when no ui hint names them", () => {
    const schema = dialect(
      z.object({ region: z.string().meta({ title: "Region", description: "Where data lives" }) }),
    );
    expect(schema.properties.region).toMatchObject({
      "ui:label": "Region",
      description: "Where data lives",
      "ui:description": "Where data lives",
    });
  });
});

describe("the metadata dialect: ui hints", () => {
  it("maps every camelCase hint to its ui: key", () => {
    const schema = dialect(
      z.object({
        name: z.string().meta({
          ui: {
            label: "Name",
            placeholder: "my-db",
            description: { expr: "'Named ' + name" },
            readOnly: "update",
            hidden: { expr: "plan == 'free'" },
            disabled: "create",
            formattedValue: { expr: "name.toUpperCase()" },
            paidOnly: true,
          },
        }),
        memory: z
          .array(z.number())
          .default([256])
          .meta({ ui: { control: "slider", steps: [256, 512, 1024] } }),
        owner: z.string().meta({ ui: { control: "git-namespace", gitProviders: ["github"] } }),
      }),
    );
    expect(schema.properties.name).toEqual({
      type: "string",
      "ui:control": "input",
      "ui:label": "Name",
      "ui:placeholder": "my-db",
      "ui:description": { expr: "'Named ' + name" },
      "ui:read-only": "update",
      "ui:hidden": { expr: "plan == 'free'" },
      "ui:disabled": "create",
      "ui:formatted-value": { expr: "name.toUpperCase()" },
      "ui:paid-only": true,
    });
    expect(schema.properties.memory).toMatchObject({
      "ui:steps": [256, 512, 1024],
      default: [256],
    });
    expect(schema.properties.owner).toMatchObject({
      "ui:control": "git-namespace",
      "git:providers": ["github"],
    });
  });

  it("labels enum options and hides or disables single ones", () => {
    const schema = dialect(
      z.object({
        policy: z.enum(["none", "lru", "lfu"]).meta({
          ui: {
            control: "radio-button",
            options: {
              none: "Keep everything",
              lfu: { label: "LFU", disabled: true, hidden: "update" },
            },
          },
        }),
      }),
    );
    expect(schema.properties.policy).toMatchObject({
      "ui:control": "radio-button",
      "ui:options": [
        { value: "none", label: "Keep everything" },
        { value: "lru", label: "lru" },
        { value: "lfu", label: "LFU", disabled: true, hidden: "update" },
      ],
    });
  });

  it("gives region controls the bare region ids, for Vercel to name", () => {
    const schema = dialect(
      z.object({
        region: z.enum(["iad1", "fra1"]).meta({ ui: { control: "vercel-region" } }),
        replicas: z
          .array(z.enum(["sfo1", "cdg1"]))
          .meta({ ui: { control: "multi-vercel-region" } }),
        anywhere: z.string().meta({ ui: { control: "vercel-region" } }),
      }),
    );
    expect(schema.properties.region).toMatchObject({
      type: "string",
      enum: ["iad1", "fra1"],
      "ui:options": ["iad1", "fra1"],
    });
    expect(schema.properties.replicas).toMatchObject({
      type: "array",
      items: { type: "string", enum: ["sfo1", "cdg1"] },
      "ui:options": ["sfo1", "cdg1"],
    });
    expect(schema.properties.anywhere).not.toHaveProperty("ui:options");
  });

  it("keeps a hint given inside a default or outside it", () => {
    const inner = dialect(
      z.object({
        a: z
          .boolean()
          .meta({ ui: { label: "Inner" } })
          .default(false),
      }),
    );
    const outer = dialect(
      z.object({
        a: z
          .boolean()
          .default(false)
          .meta({ ui: { label: "Outer" } }),
      }),
    );
    expect(inner.properties.a).toMatchObject({ "ui:label": "Inner", default: false });
    expect(outer.properties.a).toMatchObject({ "ui:label": "Outer", default: false });
  });
});

describe("the metadata dialect: ui:order", () => {
  it("follows the keys' order, or the object's own order with the rest after it", () => {
    const shape = { a: z.string(), b: z.string(), c: z.string() };
    expect(dialect(z.object(shape))["ui:order"]).toEqual(["a", "b", "c"]);
    expect(dialect(z.object(shape).meta({ ui: { order: ["c", "a"] } }))["ui:order"]).toEqual([
      "c",
      "a",
      "b",
    ]);
  });

  it("refuses an order naming a field that does not exist", () => {
    expect(() => dialect(z.object({ a: z.string() }).meta({ ui: { order: ["b"] } }))).toThrow(
      "Product test-db: ui order names b, which is not a field",
    );
  });
});

describe("the metadata dialect: what Vercel's form cannot show", () => {
  it.each([
    ["a record", z.record(z.string(), z.string()), "z.record cannot be expressed"],
    ["a nested object", z.object({ x: z.string() }), "z.object cannot be expressed"],
    ["a nullable value", z.string().nullable(), "z.nullable cannot be expressed"],
    ["an array of objects", z.array(z.object({})), "its items: z.object cannot be expressed"],
    [
      "a slider on a plain number",
      z.number().meta({ ui: { control: "slider" } }),
      "ui:control slider needs a z.array(z.number())",
    ],
    [
      "a select on free text",
      z.string().meta({ ui: { control: "select" } }),
      "ui:control select needs a z.enum()",
    ],
    [
      "an unbounded slider without steps",
      z.array(z.number()),
      "a slider needs ui steps, or items with a min() and max()",
    ],
    [
      "a label for a value the enum lacks",
      z.enum(["a"]).meta({ ui: { options: { b: "B" } } }),
      "ui options label b, which is not one of its values",
    ],
  ])(
    "refuses %s when the integration is defined, naming product and field",
    (_, field, message) => {
      const define = () =>
        defineIntegration({ products: [productWith(z.object({ tags: field }))] });
      expect(define).toThrow(MetadataDialectError);
      expect(define).toThrow(`Product test-db, field tags: ${message}`);
    },
  );

  it("refuses a ui hint that is not one (e.g. from JavaScript, where types do not catch it)", () => {
    const hint = { control: "textarea" } as unknown as { control: "input" };
    expect(() => dialect(z.object({ notes: z.string().meta({ ui: hint }) }))).toThrow(
      /^Product test-db, field notes: bad ui hint: .*control/,
    );
  });

  it("refuses a metadata schema that is not an object", () => {
    expect(() => metadataDialect("test-db", z.string())).toThrow(
      "Product test-db: the metadata schema must be a z.object(), not z.string",
    );
  });

  it("makes a misspelt hint a type error", () => {
    // @ts-expect-error `lable` is not a ui hint
    const misspelt = z.string().meta({ ui: { lable: "Name" } });
    // @ts-expect-error `slide` is not a ui:control
    const unknownControl = z.string().meta({ ui: { control: "slide" } });
    expect(misspelt).toBeDefined();
    expect(unknownControl).toBeDefined();
  });
});
