import { z } from "zod";
import { type UiControl, type UiOption, VercelMetadataSchema } from "./metadata-schema.ts";
import { UiHint } from "./ui-hint.ts";

/** A metadata schema Vercel's form cannot show, found when the integration is defined. */
export class MetadataDialectError extends Error {
  override readonly name = "MetadataDialectError";
}

type Hint = z.output<typeof UiHint>;
type Schema = z.core.$ZodType;

/** The zod type of a field once its wrappers are peeled, as far as the form cares. */
type Kind =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "boolean" }
  | { kind: "enum"; values: string[] }
  | { kind: "strings"; values?: string[] }
  | { kind: "numbers" };

interface Peeled {
  base: Schema;
  optional: boolean;
  default?: unknown;
  hint: Hint;
  title?: string;
  description?: string;
}

const ALLOWED: Record<Kind["kind"], readonly UiControl[]> = {
  string: ["input", "domain", "git-namespace", "vercel-region", "vercel-country"],
  number: ["input"],
  boolean: ["toggle"],
  enum: ["select", "radio-button", "input", "vercel-region", "vercel-country"],
  strings: ["multi-select", "multi-vercel-region"],
  numbers: ["slider"],
};

const DEFAULT_CONTROL: Record<Kind["kind"], UiControl> = {
  string: "input",
  number: "input",
  boolean: "toggle",
  enum: "select",
  strings: "multi-select",
  numbers: "slider",
};

const WANTS: Record<UiControl, string> = {
  input: "a z.string(), z.number() or z.enum()",
  toggle: "a z.boolean()",
  slider: "a z.array(z.number()) (Vercel's slider value is an array of numbers)",
  select: "a z.enum()",
  "radio-button": "a z.enum()",
  "multi-select": "a z.array(z.enum())",
  "vercel-region": "a z.string() or z.enum() of region ids",
  "vercel-country": "a z.string() or z.enum() of country codes",
  "multi-vercel-region": "a z.array() of region ids",
  domain: "a z.string()",
  "git-namespace": "a z.string()",
};

/**
 * Vercel's metadata schema for a product's zod schema: each field's `ui:control` from its zod
 * type unless `.meta({ ui })` names one, `ui:order` from the keys' order. Throws
 * `MetadataDialectError` naming the product and field for what the form cannot express.
 */
export function metadataDialect(productId: string, schema: Schema): VercelMetadataSchema {
  const fail = (field: string | undefined, message: string): never => {
    throw new MetadataDialectError(
      `Product ${productId}${field ? `, field ${field}` : ""}: ${message}`,
    );
  };
  const top = peel(schema, (message) => fail(undefined, message));
  if (top.base._zod.def.type !== "object") {
    fail(undefined, `the metadata schema must be a z.object(), not z.${top.base._zod.def.type}`);
  }
  const shape = (top.base._zod.def as z.core.$ZodObjectDef).shape;
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const peeled = peel(field, (message) => fail(key, message));
    properties[key] = fieldOf(peeled, (message) => fail(key, message));
    if (!peeled.optional) required.push(key);
  }
  const keys = Object.keys(properties);
  const order = top.hint.order ?? keys;
  for (const name of order) {
    if (!keys.includes(name)) fail(undefined, `ui order names ${name}, which is not a field`);
  }
  // Checked against the console's shape, so what is printed for pasting is what Vercel takes.
  const dialect = VercelMetadataSchema.safeParse({
    type: "object",
    properties,
    ...(required.length > 0 && { required }),
    "ui:order": [...order, ...keys.filter((key) => !order.includes(key))],
  });
  if (!dialect.success)
    return fail(undefined, z.prettifyError(dialect.error).replaceAll("\n", " "));
  return dialect.data;
}

/** Strips optional/default/readonly wrappers, gathering what they say (outer meta wins). */
function peel(schema: Schema, fail: (message: string) => never): Peeled {
  const peeled: Peeled = { base: schema, optional: false, hint: {} };
  let current = schema;
  for (;;) {
    absorbMeta(peeled, current, fail);
    const def = current._zod.def;
    if (def.type === "optional") {
      peeled.optional = true;
    } else if (def.type === "default" || def.type === "prefault") {
      if (!("default" in peeled)) peeled.default = (def as z.core.$ZodDefaultDef).defaultValue;
    } else if (def.type !== "readonly" && def.type !== "nonoptional") {
      break;
    }
    current = (def as z.core.$ZodOptionalDef).innerType;
  }
  peeled.base = current;
  return peeled;
}

function absorbMeta(peeled: Peeled, schema: Schema, fail: (message: string) => never): void {
  const meta = z.globalRegistry.get(schema);
  if (!meta) return;
  if (meta.ui !== undefined) {
    const hint = UiHint.safeParse(meta.ui);
    if (!hint.success) fail(`bad ui hint: ${z.prettifyError(hint.error).replaceAll("\n", " ")}`);
    peeled.hint = { ...hint.data, ...peeled.hint };
  }
  peeled.title ??= meta.title;
  peeled.description ??= meta.description;
}

function kindOf(schema: Schema, fail: (message: string) => never): Kind {
  const def = schema._zod.def;
  switch (def.type) {
    case "string":
      return { kind: "string" };
    case "number":
      return { kind: "number" };
    case "boolean":
      return { kind: "boolean" };
    case "enum":
    case "literal":
    case "union": {
      const values = enumValues(schema);
      if (values) return { kind: "enum", values };
      return fail(
        `z.${def.type} of anything but strings cannot be expressed in Vercel's metadata schema`,
      );
    }
    case "array": {
      const element = peel((def as z.core.$ZodArrayDef).element, fail).base;
      const inner = kindOf(element, (message) => fail(`its items: ${message}`));
      if (inner.kind === "number") return { kind: "numbers" };
      if (inner.kind === "string") return { kind: "strings" };
      if (inner.kind === "enum") return { kind: "strings", values: inner.values };
      return fail("only arrays of strings or numbers can be expressed in Vercel's metadata schema");
    }
    default:
      return fail(`z.${def.type} cannot be expressed in Vercel's metadata schema`);
  }
}

/** The string values of a z.enum, a string z.literal or a union of them. */
function enumValues(schema: Schema): string[] | undefined {
  const def = schema._zod.def;
  let values: unknown[] | undefined;
  if (def.type === "enum") values = Object.values((def as z.core.$ZodEnumDef).entries);
  if (def.type === "literal") values = (def as z.core.$ZodLiteralDef<z.core.util.Literal>).values;
  if (def.type === "union") {
    const parts = (def as z.core.$ZodUnionDef).options.map(enumValues);
    values = parts.every((part) => part !== undefined) ? parts.flat() : undefined;
  }
  return values?.every((value) => typeof value === "string") ? (values as string[]) : undefined;
}

function fieldOf(peeled: Peeled, fail: (message: string) => never): Record<string, unknown> {
  const kind = kindOf(peeled.base, fail);
  const { hint } = peeled;
  const control = hint.control ?? DEFAULT_CONTROL[kind.kind];
  if (!ALLOWED[kind.kind].includes(control)) {
    fail(`ui:control ${control} needs ${WANTS[control]}`);
  }
  if (hint.steps && control !== "slider") fail("ui steps only apply to a slider");
  if (hint.order) fail("ui order applies to the z.object(), not to one field");
  if (hint.gitProviders && control !== "git-namespace") {
    fail("ui gitProviders only apply to a git-namespace control");
  }
  const common = {
    ...(peeled.description !== undefined && { description: peeled.description }),
    ...uiKeys(peeled),
    ...(peeled.default !== undefined && { default: peeled.default }),
  };
  const rules = constraints(peeled.base);
  const values = "values" in kind ? kind.values : undefined;
  const options = values && optionsOf(control, values, hint, fail);
  if (hint.options && !values) fail("ui options need a z.enum() to label");
  const field: Record<string, unknown> = {
    type: "string",
    "ui:control": control,
    ...common,
    ...rules.scalar,
  };
  if (kind.kind === "number") field.type = "number";
  if (kind.kind === "boolean") field.type = "boolean";
  if (kind.kind === "enum") field.enum = values;
  if (kind.kind === "strings" || kind.kind === "numbers") {
    field.type = "array";
    field.items = {
      type: kind.kind === "numbers" ? "number" : "string",
      ...(values && { enum: values }),
      ...rules.items,
    };
    Object.assign(field, rules.array);
  }
  if (options) field["ui:options"] = options;
  if (control === "slider") field["ui:steps"] = hint.steps ?? sliderSteps(rules.items, fail);
  if (hint.gitProviders) field["git:providers"] = hint.gitProviders;
  if (["select", "radio-button", "multi-select"].includes(control) && !options) {
    fail(`ui:control ${control} needs ${WANTS[control]}`);
  }
  // Placeholders exist on text-like controls only (SDK: not on toggle or slider).
  if (hint.placeholder !== undefined && (control === "toggle" || control === "slider")) {
    fail(`ui placeholder does not apply to a ${control}`);
  }
  return field;
}

function uiKeys({ hint, title, description }: Peeled): Record<string, unknown> {
  const label = hint.label ?? title;
  const shown = hint.description ?? description;
  return Object.fromEntries(
    Object.entries({
      "ui:label": label,
      "ui:placeholder": hint.placeholder,
      "ui:description": shown,
      "ui:read-only": hint.readOnly,
      "ui:hidden": hint.hidden,
      "ui:disabled": hint.disabled,
      "ui:formatted-value": hint.formattedValue,
      "ui:paid-only": hint.paidOnly,
    }).filter(([, value]) => value !== undefined),
  );
}

/** Select-like controls label each value; region and country controls take the bare ids. */
function optionsOf(
  control: UiControl,
  values: string[],
  hint: Hint,
  fail: (message: string) => never,
): (UiOption | string)[] | undefined {
  for (const value of Object.keys(hint.options ?? {})) {
    if (!values.includes(value)) fail(`ui options label ${value}, which is not one of its values`);
  }
  if (control === "input") return undefined;
  const labelled = ["select", "radio-button", "multi-select"].includes(control);
  return values.map((value) => {
    const given = hint.options?.[value];
    const settings = typeof given === "string" ? { label: given } : (given ?? {});
    if (!labelled && Object.keys(settings).length === 0) return value;
    return { value, ...(labelled && { label: value }), ...settings };
  });
}

const SCALAR_KEYS = [
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
] as const;

/** The JSON Schema bounds zod gives the field (and its items), minus zod's own int limits. */
function constraints(schema: Schema) {
  const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as Record<string, unknown>;
  const pick = (source: Record<string, unknown> | undefined) =>
    Object.fromEntries(
      SCALAR_KEYS.flatMap((key) => {
        const value = source?.[key];
        if (value === undefined) return [];
        if (typeof value === "number" && Math.abs(value) >= Number.MAX_SAFE_INTEGER) return [];
        return [[key, value]];
      }),
    );
  const items = json.items as Record<string, unknown> | undefined;
  return {
    scalar: json.type === "array" ? {} : pick(json),
    items: pick(items),
    array: Object.fromEntries(
      (["minItems", "maxItems"] as const).flatMap((key) =>
        json[key] === undefined ? [] : [[key, json[key]]],
      ),
    ),
  };
}

/** A bounded number array slides between its bounds when no steps are given. */
function sliderSteps(items: Record<string, unknown>, fail: (message: string) => never): number[] {
  const { minimum, maximum } = items;
  if (typeof minimum === "number" && typeof maximum === "number") return [minimum, maximum];
  return fail("a slider needs ui steps, or items with a min() and max()");
}
