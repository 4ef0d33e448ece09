import { z } from "zod";
import type { Integration } from "../../core/define-integration.ts";
import { resolveProtocols } from "../../product/protocols.ts";
import type { JsonObject } from "../../protocol/common.ts";
import {
  allowedValues,
  controlOf,
  type FieldSchema,
  isList,
  isNumeric,
  MetadataSchema,
  orderedProperties,
} from "../console/metadata-dialect.ts";
import { defaultMetadata } from "../console/metadata-form.ts";
import { validateMetadata } from "../console/metadata-validation.ts";
import type { ConsoleProduct } from "../console/pages.ts";
import { experimentationOffer } from "../console/product-config.ts";

/** What the checks provision and run, read from the partner's own product definition. */
export interface ProductProfile {
  productId: string;
  metadata: JsonObject;
  /** Undefined when the product's metadata schema refuses nothing the suite can think of. */
  invalidMetadata?: JsonObject;
  repl?: { read: string; write: string };
  /** Set when the product speaks the experimentation protocol (spec §5.18), which `--flags` checks. */
  experimentation?: true;
}

type Product = Integration["products"][number];

/** The profile of `productId`, or of the integration's first product; undefined when there is none. */
export function productProfile(
  integration: Integration,
  productId?: string,
): ProductProfile | undefined {
  const product = productId
    ? integration.products.find((candidate) => candidate.id === productId)
    : integration.products[0];
  if (!product) return undefined;
  // The product's schema in Vercel's dialect; a product defined without one (built by hand in a
  // test) is read from its zod schema's JSON Schema, a dialect schema without `ui:*` keys.
  const schema = MetadataSchema.parse(product.metadataSchema ?? z.toJSONSchema(product.metadata));
  const metadata = defaultMetadata(schema);
  const invalidMetadata = invalidMetadataOf(
    schema,
    metadata,
    (candidate) => product.metadata.safeParse(candidate).success,
  );
  return {
    productId: product.id,
    metadata,
    ...(invalidMetadata && { invalidMetadata }),
    ...(replCommandsOf(product) && { repl: replCommandsOf(product) }),
    ...(speaksExperimentation(product) && { experimentation: true }),
  };
}

/** Declared in its protocols (and not disabled), or given the hook of the first flags push. */
function speaksExperimentation(product: Product): boolean {
  const declared = resolveProtocols(product).protocols.experimentation;
  return experimentationOffer(declared) !== undefined || product.experimentation !== undefined;
}

/**
 * The profile of a product known only by its configuration (`product-config` output, e.g. a
 * partner server not built with Partnerkit): its form's defaults and the metadata it refuses.
 */
export function configuredProductProfile(
  products: readonly ConsoleProduct[],
  productId?: string,
): ProductProfile | undefined {
  const product = productId
    ? products.find((candidate) => candidate.id === productId)
    : products[0];
  if (!product) return undefined;
  const metadata = defaultMetadata(product.metadataSchema);
  const invalidMetadata = invalidMetadataOf(product.metadataSchema, metadata);
  return {
    productId: product.id,
    metadata,
    ...(invalidMetadata && { invalidMetadata }),
    ...(product.experimentation && { experimentation: true }),
  };
}

/**
 * Metadata Vercel's form would refuse, derived from the product's metadata schema (Vercel's dialect
 * or plain JSON Schema): one property broken at a time — a value outside a select's options, a
 * slider or number beyond its maximum, a wrong type, a required key missing. Undefined when the
 * schema constrains nothing, so the check skips with a note. `accepts`, when the partner's own
 * validator is at hand, leaves out what the schema refuses but the partner would take anyway.
 */
export function invalidMetadataOf(
  schema: MetadataSchema | undefined,
  valid: JsonObject,
  accepts?: (metadata: JsonObject) => boolean,
): JsonObject | undefined {
  const required = new Set(schema?.required ?? []);
  const candidates = orderedProperties(schema).flatMap(([key, field]) => {
    const { [key]: _dropped, ...withoutKey } = valid;
    return [
      ...brokenValues(field).map((broken) => ({ ...valid, [key]: broken })),
      ...(required.has(key) ? [withoutKey] : []),
    ];
  });
  const context = { mode: "create" as const, paidPlan: true };
  return candidates.find(
    (candidate) =>
      Object.keys(validateMetadata(schema, candidate, context)).length > 0 && !accepts?.(candidate),
  );
}

/** Values the field refuses, most telling first. */
function brokenValues(field: FieldSchema): unknown[] {
  const control = controlOf(field);
  const options = allowedValues(field);
  const wrap = (value: unknown) => (isList(field) ? [value] : value);
  const broken: unknown[] = [];
  if (options || control === "vercel-region" || control === "multi-vercel-region") {
    broken.push(wrap("conformance-invalid"));
  }
  const steps = field["ui:steps"];
  const maximum = field.maximum ?? field.items?.maximum ?? steps?.at(-1);
  if (isNumeric(field) && maximum !== undefined) broken.push(wrap(maximum + 1));
  const minimum = field.minimum ?? field.items?.minimum ?? steps?.[0];
  if (isNumeric(field) && minimum !== undefined) broken.push(wrap(minimum - 1));
  if (control === "domain") broken.push("not a domain");
  broken.push(isNumeric(field) || field.type === "boolean" ? "conformance-invalid" : 12345);
  return broken;
}

/** A command that only reads and one that writes, with placeholder arguments. */
function replCommandsOf(product: Product): ProductProfile["repl"] {
  const commands = Object.entries(product.repl ?? {}).sort(
    ([, a], [, b]) => (a.args?.length ?? 0) - (b.args?.length ?? 0),
  );
  const input = ([name, command]: (typeof commands)[number]) =>
    [name, ...(command.args ?? []).map(() => "conformance")].join(" ");
  const read = commands.find(([, command]) => !command.write);
  const write = commands.find(([, command]) => command.write);
  return read && write ? { read: input(read), write: input(write) } : undefined;
}
