import { z } from "zod";
import * as billing from "../protocol/billing.ts";
import * as common from "../protocol/common.ts";
import * as errors from "../protocol/errors.ts";
import * as health from "../protocol/health.ts";
import * as installations from "../protocol/installations.ts";
import * as openApiDocument from "../protocol/openapi-document.ts";
import * as repl from "../protocol/repl.ts";
import * as resources from "../protocol/resources.ts";
import * as secretsRotation from "../protocol/secrets-rotation.ts";
import * as transfers from "../protocol/transfers.ts";
import * as webhooks from "../protocol/webhooks.ts";

/** A JSON Schema (2020-12) as zod writes it. */
export type JsonSchema = Record<string, unknown>;

/** Requests are described as they may arrive (`input`), responses as they are sent (`output`). */
export type Direction = "input" | "output";

const PROTOCOL_MODULES: readonly Record<string, unknown>[] = [
  billing,
  common,
  errors,
  health,
  installations,
  openApiDocument,
  repl,
  resources,
  secretsRotation,
  transfers,
  webhooks,
];

const REF_PREFIX = "#/components/schemas/";

/** Every zod schema exported by a protocol module, by the name it is exported under. */
function namedSchemas(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  for (const module of PROTOCOL_MODULES) {
    for (const [name, value] of Object.entries(module)) {
      if (value instanceof z.ZodType && !names.has(value)) names.set(value, name);
    }
  }
  return names;
}

function representable(schema: z.ZodType, io: Direction): boolean {
  try {
    z.toJSONSchema(schema, { io });
    return true;
  } catch {
    return false; // e.g. a transform's output
  }
}

/** Each named schema as JSON Schema, referring to the others as `#/components/schemas/<name>`. */
function componentsFor(names: Map<z.ZodType, string>, io: Direction): Map<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of names) if (representable(schema, io)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `${REF_PREFIX}${id}` });
  const components = new Map<string, JsonSchema>();
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    components.set(id, rest);
  }
  return components;
}

/**
 * The document's `components/schemas`: the protocol schemas named after their exports. Bodies
 * refer to them by `$ref`; only the ones reached from a body are kept. A schema reached both as
 * a request and as a response must read the same both ways.
 */
export class SchemaComponents {
  private readonly names = namedSchemas();
  private readonly generated = new Map<Direction, Map<string, JsonSchema>>();
  private readonly used: { name: string; io: Direction }[] = [];

  /** A `$ref` to the schema's component; the schema must be exported by a protocol module. */
  ref(schema: z.ZodType, io: Direction): JsonSchema {
    const name = this.names.get(schema);
    if (!name) {
      throw new Error(
        "A route's body schema has no name: export it from a module of protocol/ (and list the module in openapi-schemas.ts)",
      );
    }
    this.used.push({ name, io });
    return { $ref: `${REF_PREFIX}${name}` };
  }

  /** The components reached from the `$ref`s handed out, sorted by name. */
  components(): Record<string, JsonSchema> {
    const kept = new Map<string, { schema: JsonSchema; io: Direction }>();
    const pending = [...this.used];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const schema = this.generatedFor(next.io).get(next.name);
      if (!schema) throw new Error(`${next.name} cannot be written as JSON Schema (${next.io})`);
      const seen = kept.get(next.name);
      if (seen) {
        if (seen.io !== next.io && JSON.stringify(seen.schema) !== JSON.stringify(schema)) {
          throw new Error(`${next.name} reads differently as a request and as a response`);
        }
        continue;
      }
      kept.set(next.name, { schema, io: next.io });
      for (const name of referencedNames(schema)) pending.push({ name, io: next.io });
    }
    return Object.fromEntries(
      [...kept.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, { schema }]) => [name, schema]),
    );
  }

  private generatedFor(io: Direction): Map<string, JsonSchema> {
    let components = this.generated.get(io);
    if (!components) {
      components = componentsFor(this.names, io);
      this.generated.set(io, components);
    }
    return components;
  }
}

function referencedNames(schema: unknown): string[] {
  if (Array.isArray(schema)) return schema.flatMap(referencedNames);
  if (!schema || typeof schema !== "object") return [];
  const names: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith(REF_PREFIX)) {
      names.push(value.slice(REF_PREFIX.length));
    } else {
      names.push(...referencedNames(value));
    }
  }
  return names;
}
