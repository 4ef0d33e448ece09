import { z } from "zod";
import type { Integration } from "../../core/define-integration.ts";
import type { JsonObject } from "../../protocol/common.ts";
import { defaultMetadata, type MetadataSchema } from "../console/metadata-form.ts";

/** What the checks provision and run, read from the partner's own product definition. */
export interface ProductProfile {
  productId: string;
  metadata: JsonObject;
  /** Undefined when the product's metadata schema refuses nothing the suite can think of. */
  invalidMetadata?: JsonObject;
  repl?: { read: string; write: string };
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
  const schema = z.toJSONSchema(product.metadata) as MetadataSchema;
  const metadata = defaultMetadata(schema);
  return {
    productId: product.id,
    metadata,
    invalidMetadata: invalidMetadataOf(product, schema, metadata),
    repl: replCommandsOf(product),
  };
}

/** Breaks one property at a time (a value outside its enum, a wrong type, a missing required key). */
function invalidMetadataOf(
  product: Product,
  schema: MetadataSchema,
  valid: JsonObject,
): JsonObject | undefined {
  const candidates: JsonObject[] = Object.entries(schema.properties ?? {}).flatMap(
    ([key, field]) => {
      const { [key]: _dropped, ...withoutKey } = valid;
      const wrong = field.enum || field.type !== "string" ? "conformance-invalid" : 12345;
      return [{ ...valid, [key]: wrong }, withoutKey];
    },
  );
  return candidates.find((candidate) => !product.metadata.safeParse(candidate).success);
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
