import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { z } from "zod";
import type { OpenApiDocument } from "../protocol/openapi-document.ts";
import { REFERENCE_PAGE_CSS } from "./reference-page-style.ts";

// The parts of the document (and of its JSON Schemas) the page shows; the rest is ignored.
const Media = z.record(z.string(), z.looseObject({ schema: z.unknown() }));
const Parameter = z.looseObject({
  name: z.string(),
  in: z.string(),
  required: z.boolean().optional(),
  description: z.string().optional(),
  schema: z.unknown().optional(),
  content: Media.optional(),
});
const Operation = z.looseObject({
  operationId: z.string(),
  summary: z.string(),
  description: z.string().optional(),
  tags: z.array(z.string()).default([]),
  deprecated: z.boolean().optional(),
  parameters: z.array(Parameter).default([]),
  requestBody: z.looseObject({ required: z.boolean().optional(), content: Media }).optional(),
  responses: z.record(
    z.string(),
    z.looseObject({ description: z.string(), content: Media.optional() }),
  ),
});
type Operation = z.infer<typeof Operation>;
const Page = z.looseObject({
  info: z.looseObject({
    title: z.string(),
    version: z.string(),
    description: z.string().optional(),
  }),
  tags: z
    .array(z.looseObject({ name: z.string(), description: z.string().optional() }))
    .default([]),
  paths: z.record(z.string(), z.record(z.string(), Operation)),
  components: z.looseObject({ schemas: z.record(z.string(), z.unknown()).default({}) }),
});
const Node = z.looseObject({
  $ref: z.string().optional(),
  type: z.union([z.string(), z.array(z.string())]).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  required: z.array(z.string()).default([]),
  items: z.unknown().optional(),
  additionalProperties: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  const: z.unknown().optional(),
  anyOf: z.array(z.unknown()).optional(),
  oneOf: z.array(z.unknown()).optional(),
  format: z.string().optional(),
  description: z.string().optional(),
  minLength: z.number().optional(),
  maxLength: z.number().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  minItems: z.number().optional(),
  pattern: z.string().optional(),
});
type Node = z.infer<typeof Node>;

type Fragment = HtmlEscapedString | Promise<HtmlEscapedString>;

const node = (schema: unknown): Node => Node.safeParse(schema).data ?? Node.parse({});
const schemaName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

/** Inline `code` spans of the document's descriptions; everything else is escaped text. */
function prose(text: string | undefined): Fragment {
  if (!text) return html``;
  const parts = text.split("`");
  return html`${parts.map((part, index) => (index % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

/**
 * `/docs`: the document as one server-rendered page (no script, no CDN), for people reading what
 * the server answers while developing.
 */
export function referencePage(document: OpenApiDocument): Fragment {
  const page = Page.parse(document);
  const operations = Object.entries(page.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
  const byTag = page.tags
    .map((tag) => ({
      ...tag,
      operations: operations.filter(({ operation }) => operation.tags.includes(tag.name)),
    }))
    .filter((tag) => tag.operations.length > 0);
  const schemas = Object.entries(page.components.schemas);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.info.title}</title>
<style>${raw(REFERENCE_PAGE_CSS)}</style>
</head>
<body>
<nav>
  <p class="brand">${page.info.title} <span class="version">${page.info.version}</span></p>
  ${byTag.map(
    (tag) => html`<p class="group">${tag.name}</p>
  <ul>${tag.operations.map(
    ({ method, operation }) =>
      html`<li><a href="#${operation.operationId}"><span class="verb ${method}">${method}</span> ${operation.summary}</a></li>`,
  )}</ul>`,
  )}
  <p class="group">Schemas</p>
  <ul>${schemas.map(([name]) => html`<li><a href="#schema-${name}">${name}</a></li>`)}</ul>
  <p class="group"><a href="/openapi.json">openapi.json</a></p>
</nav>
<main>
  <header>
    <h1>${page.info.title}</h1>
    <p>${prose(page.info.description)}</p>
  </header>
  ${byTag.map(
    (tag) => html`<section>
    <h2>${tag.name}</h2>
    <p class="lead">${prose(tag.description)}</p>
    ${tag.operations.map(({ path, method, operation }) =>
      operationBlock(path, method, operation, page.components.schemas),
    )}
  </section>`,
  )}
  <section>
    <h2>Schemas</h2>
    ${schemas.map(([name, schema]) => schemaBlock(name, schema))}
  </section>
</main>
</body>
</html>`;
}

function operationBlock(
  path: string,
  method: string,
  operation: Operation,
  schemas: Record<string, unknown>,
): Fragment {
  const body = operation.requestBody;
  const bodySchema = body && firstSchema(body.content);
  const bodyRef = node(bodySchema).$ref;
  return html`<article id="${operation.operationId}">
  <h3>${operation.summary}${operation.deprecated ? html` <span class="tag">deprecated</span>` : ""}</h3>
  <p class="route"><span class="verb ${method}">${method}</span> <code>${path}</code></p>
  ${(operation.description ?? "").split("\n\n").map((paragraph) => html`<p>${prose(paragraph)}</p>`)}
  ${
    operation.parameters.length > 0
      ? html`<h4>Parameters</h4>
  <table>
    <thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead>
    <tbody>${operation.parameters.map(
      (parameter) => html`<tr>
      <td><code>${parameter.name}</code>${parameter.required ? html` <span class="req">required</span>` : ""}</td>
      <td>${parameter.in}</td>
      <td>${typeOf(parameter.schema ?? firstSchema(parameter.content))}${parameter.content ? " (JSON)" : ""}</td>
      <td>${prose(parameter.description)}</td>
    </tr>`,
    )}</tbody>
  </table>`
      : ""
  }
  ${
    body
      ? html`<h4>Request body${body.required ? "" : html` <span class="tag">optional</span>`}</h4>
  <p>${typeOf(bodySchema)}</p>
  ${bodyRef ? fieldTable(schemas[schemaName(bodyRef)]) : ""}`
      : ""
  }
  <h4>Responses</h4>
  <table class="responses">
    <thead><tr><th>Status</th><th>Body</th><th>When</th></tr></thead>
    <tbody>${Object.entries(operation.responses).map(
      ([status, response]) => html`<tr>
      <td><span class="status s${status[0]}">${status}</span></td>
      <td>${response.content ? typeOf(firstSchema(response.content)) : html`<span class="muted">none</span>`}</td>
      <td>${prose(response.description)}</td>
    </tr>`,
    )}</tbody>
  </table>
</article>`;
}

function firstSchema(content: z.infer<typeof Media> | undefined): unknown {
  return content ? Object.values(content)[0]?.schema : undefined;
}

function schemaBlock(name: string, schema: unknown): Fragment {
  const top = node(schema);
  const variants = top.oneOf ?? top.anyOf;
  return html`<article id="schema-${name}">
  <h3>${name}</h3>
  ${prose(top.description)}
  ${
    variants
      ? variants.map(
          (variant, index) => html`<h4>One of, variant ${index + 1}</h4>${fieldTable(variant)}`,
        )
      : fieldTable(schema)
  }
</article>`;
}

interface Field {
  name: string;
  required: boolean;
  schema: Node;
}

/** The properties of an object schema, nested objects flattened as `parent.child`. */
function fields(schema: Node, prefix = ""): Field[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, value]) => {
    const property = node(value);
    const name = `${prefix}${key}`;
    const field = { name, required: schema.required.includes(key), schema: property };
    if (property.properties) return [field, ...fields(property, `${name}.`)];
    const items = property.type === "array" ? node(property.items) : undefined;
    if (items?.properties) return [field, ...fields(items, `${name}[].`)];
    return [field];
  });
}

function fieldTable(schema: unknown): Fragment {
  const top = node(schema);
  const rows = fields(top);
  if (rows.length === 0) return html`<p>${typeOf(schema)}</p>`;
  return html`<table>
    <thead><tr><th>Field</th><th>Type</th><th>Constraints</th></tr></thead>
    <tbody>${rows.map(
      (row) => html`<tr>
      <td><code>${row.name}</code>${row.required ? html` <span class="req">required</span>` : ""}</td>
      <td>${typeOf(row.schema)}</td>
      <td>${constraints(row.schema)}</td>
    </tr>`,
    )}</tbody>
  </table>`;
}

/** A type as a reader says it: `string`, `array of Secret`, `"info" | "warn"`. */
function typeOf(value: unknown): Fragment {
  const schema = node(value);
  if (schema.$ref) {
    const name = schemaName(schema.$ref);
    return html`<a href="#schema-${name}">${name}</a>`;
  }
  if (schema.const !== undefined) return html`<code>${JSON.stringify(schema.const)}</code>`;
  if (schema.enum) {
    return html`${schema.enum.map(
      (value, index) => html`${index > 0 ? " | " : ""}<code>${JSON.stringify(value)}</code>`,
    )}`;
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union)
    return html`${union.map((part, index) => html`${index > 0 ? " | " : ""}${typeOf(part)}`)}`;
  if (schema.type === "array") return html`array of ${typeOf(schema.items)}`;
  if (schema.type === "object" && !schema.properties) {
    const values = schema.additionalProperties;
    const typed = typeof values === "object" && values !== null && Object.keys(values).length > 0;
    return typed ? html`map of ${typeOf(values)}` : html`object`;
  }
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any");
  return html`${type}${schema.format ? ` (${schema.format})` : ""}`;
}

function constraints(schema: Node): Fragment {
  const notes = [
    schema.minLength !== undefined && `length ≥ ${schema.minLength}`,
    schema.maxLength !== undefined && `length ≤ ${schema.maxLength}`,
    schema.minItems !== undefined && `≥ ${schema.minItems} items`,
    schema.minimum !== undefined && Math.abs(schema.minimum) < 1e12 && `≥ ${schema.minimum}`,
    schema.maximum !== undefined && Math.abs(schema.maximum) < 1e12 && `≤ ${schema.maximum}`,
    schema.pattern !== undefined && !schema.format && `matches ${schema.pattern}`,
  ].filter((note): note is string => typeof note === "string");
  return html`${notes.join(", ")}`;
}
