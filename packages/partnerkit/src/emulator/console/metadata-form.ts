import { html } from "hono/html";
import type { JsonObject } from "../../protocol/common.ts";
import type { Html } from "./layout.ts";

/** The JSON Schema subset a product's metadata form is drawn from (what the Integrations Console offers). */
export interface MetadataSchema {
  type?: "object";
  properties?: Record<string, FieldSchema>;
  required?: string[];
}

interface FieldSchema {
  type?: "string" | "number" | "integer" | "boolean";
  enum?: unknown[];
  title?: string;
  description?: string;
  default?: unknown;
}

const FIELD_PREFIX = "metadata.";

/** Form inputs for each property; the current values stay selected across re-renders. */
export function metadataFields(schema: MetadataSchema | undefined, values: JsonObject): Html {
  const properties = Object.entries(schema?.properties ?? {});
  if (properties.length === 0) {
    return html`<label for="metadata-json">Metadata (JSON)</label>
      <input id="metadata-json" name="metadataJson" value="${JSON.stringify(values)}" />`;
  }
  return html`${properties.map(([key, field]) => {
    const id = `field-${key}`;
    const value = values[key] ?? field.default;
    const label = html`<label for="${id}">${field.title ?? key}</label>`;
    if (field.enum) {
      return html`${label}<select id="${id}" name="${FIELD_PREFIX}${key}" onchange="this.form.requestSubmit(this.form.querySelector('[data-refresh]'))">
        ${field.enum.map(
          (option) =>
            html`<option value="${String(option)}" ${option === value ? "selected" : ""}>${String(option)}</option>`,
        )}
      </select>`;
    }
    if (field.type === "boolean") {
      return html`${label}<input id="${id}" type="checkbox" name="${FIELD_PREFIX}${key}" value="true" ${value === true ? "checked" : ""} />`;
    }
    const type = field.type === "number" || field.type === "integer" ? "number" : "text";
    return html`${label}<input id="${id}" type="${type}" name="${FIELD_PREFIX}${key}" value="${value === undefined ? "" : String(value)}" />`;
  })}`;
}

/** Reads the metadata back from submitted form values, typed by the schema. */
export function metadataFromForm(
  schema: MetadataSchema | undefined,
  form: Record<string, string>,
): JsonObject {
  if (form.metadataJson !== undefined) {
    try {
      const parsed: unknown = JSON.parse(form.metadataJson || "{}");
      return parsed && typeof parsed === "object" && !Array.isArray(parsed)
        ? (parsed as JsonObject)
        : {};
    } catch {
      return {};
    }
  }
  const metadata: JsonObject = {};
  for (const [key, field] of Object.entries(schema?.properties ?? {})) {
    const raw = form[`${FIELD_PREFIX}${key}`];
    if (field.type === "boolean") {
      metadata[key] = raw === "true";
    } else if (raw !== undefined && raw !== "") {
      metadata[key] = field.type === "number" || field.type === "integer" ? Number(raw) : raw;
    }
  }
  return metadata;
}

/** What the form starts with: each field's default, else its first option, as the console shows it. */
export function defaultMetadata(schema: MetadataSchema | undefined): JsonObject {
  const metadata: JsonObject = {};
  for (const [key, field] of Object.entries(schema?.properties ?? {})) {
    const initial = field.default ?? field.enum?.[0];
    if (initial !== undefined) metadata[key] = initial as JsonObject[string];
  }
  return metadata;
}
