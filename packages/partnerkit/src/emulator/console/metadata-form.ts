import { html } from "hono/html";
import type { JsonObject } from "../../protocol/common.ts";
import type { Html } from "./layout.ts";
import { control, FIELD_PREFIX, fieldId, SLIDER_PREFIX } from "./metadata-controls.ts";
import {
  controlOf,
  type FieldSchema,
  holds,
  isExpression,
  isList,
  isNumeric,
  labelOf,
  type MetadataSchema,
  orderedProperties,
} from "./metadata-dialect.ts";
import { type FieldErrors, type FormContext, isEditable, isShown } from "./metadata-validation.ts";

export type { MetadataSchema } from "./metadata-dialect.ts";

/** A submitted form or query string: a repeated field (checkboxes) gives a list. */
export type FormFields = Record<string, string | string[] | undefined>;

/** Marks a drawn metadata form, so a form whose every box is unticked is not read as "no form". */
const MARKER = "metadataForm";

export interface MetadataFieldsOptions extends FormContext {
  errors?: FieldErrors;
}

/** The metadata form as Vercel draws it for `ui:control`, on the create or the update form. */
export function metadataFields(
  schema: MetadataSchema | undefined,
  values: JsonObject,
  options: MetadataFieldsOptions = { mode: "create", paidPlan: true },
): Html {
  const properties = orderedProperties(schema);
  if (properties.length === 0) {
    return html`<label for="metadata-json">Metadata (JSON)</label>
      <input id="metadata-json" name="metadataJson" value="${JSON.stringify(values)}" />`;
  }
  const required = new Set(schema?.required ?? []);
  return html`<input type="hidden" name="${MARKER}" value="1" />
    ${properties.map(([key, field]) => {
      if (!isShown(field, options)) return "";
      const error = options.errors?.[key];
      const errorId = error ? `error-${key}` : undefined;
      const label = labelOf(key, field);
      const locked = !isEditable(field, options);
      return html`<div class="field" data-field="${key}" data-control="${controlOf(field)}">
        <label for="${fieldId(key)}">${label}${required.has(key) ? html` <span class="muted">(required)</span>` : ""}${field["ui:paid-only"] ? html` <span class="status">paid plans</span>` : ""}${locked ? html` <span class="muted">(${holds(field["ui:read-only"], options.mode) ? "read-only" : "disabled"})</span>` : ""}</label>
        ${control({ key, field, value: values[key], mode: options.mode, locked, errorId })}
        ${description(field)}
        ${expressionNote(field)}
        ${error ? html`<p class="field-error" id="${errorId}" role="alert">${error}</p>` : ""}
      </div>`;
    })}`;
}

function description(field: FieldSchema): Html | string {
  const declared = field["ui:description"];
  // An expression's text is Vercel's to compute: the plain description stands in for it.
  const text = typeof declared === "string" ? declared : field.description;
  return text ? html`<div class="muted">${text}</div>` : "";
}

/** What Vercel would compute from `{ expr }` and the emulator leaves as is (see `holds`). */
function expressionNote(field: FieldSchema): Html | string {
  const expressions = (
    ["ui:hidden", "ui:disabled", "ui:read-only", "ui:description", "ui:formatted-value"] as const
  ).flatMap((name) => {
    const value = field[name];
    return isExpression(value) ? [`${name}: ${value.expr}`] : [];
  });
  if (expressions.length === 0) return "";
  return html`<div class="muted expression">Vercel evaluates <code>${expressions.join("; ")}</code>; the emulator does not, and shows the field as is.</div>`;
}

/** Whether the form was drawn by `metadataFields` (or a script posted `metadata.*` values). */
export function hasMetadataForm(form: FormFields): boolean {
  return Object.keys(form).some(
    (name) =>
      name === MARKER ||
      name === "metadataJson" ||
      name.startsWith(FIELD_PREFIX) ||
      name.startsWith(SLIDER_PREFIX),
  );
}

/**
 * Reads the metadata back from submitted form values, typed by the schema; the defaults when no
 * form was submitted. A number that does not parse stays text, so the check can say so.
 */
export function metadataFromForm(schema: MetadataSchema | undefined, form: FormFields): JsonObject {
  const json = last(form.metadataJson);
  if (json !== undefined) {
    try {
      const parsed: unknown = JSON.parse(json || "{}");
      return parsed && typeof parsed === "object" && !Array.isArray(parsed)
        ? (parsed as JsonObject)
        : {};
    } catch {
      return {};
    }
  }
  if (!hasMetadataForm(form)) return defaultMetadata(schema);
  const metadata: JsonObject = {};
  for (const [key, field] of orderedProperties(schema)) {
    const value = fieldValue(field, form, key);
    if (value !== undefined) metadata[key] = value;
  }
  return metadata;
}

function fieldValue(field: FieldSchema, form: FormFields, key: string): unknown {
  const posted = form[`${FIELD_PREFIX}${key}`];
  const steps = field["ui:steps"];
  const indices = form[`${SLIDER_PREFIX}${key}`];
  const raw =
    posted === undefined && indices !== undefined && steps
      ? [indices].flat().map((index) => String(steps[Number(index)] ?? index))
      : posted;
  if (controlOf(field) === "toggle" || field.type === "boolean") return last(raw) === "true";
  const toValue = (text: string) => (isNumeric(field) ? numberOrText(text) : text);
  // Unticked boxes post nothing: an absent list is an empty one.
  if (isList(field) && controlOf(field) !== "slider") {
    return raw === undefined ? [] : [raw].flat().filter(Boolean).map(toValue);
  }
  // A browser posts every drawn text, choice and slider; one a script left out keeps its default.
  if (raw === undefined && field.default !== undefined) return field.default;
  if (isList(field)) return raw === undefined ? [] : [raw].flat().filter(Boolean).map(toValue);
  const text = last(raw);
  return text === undefined || text === "" ? undefined : toValue(text);
}

const last = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value.at(-1) : value;

function numberOrText(text: string): number | string {
  const number = Number(text);
  return text.trim() !== "" && Number.isFinite(number) ? number : text;
}

/** What the form starts with: each field's default, else its first option, as the console shows it. */
export function defaultMetadata(schema: MetadataSchema | undefined): JsonObject {
  const metadata: JsonObject = {};
  for (const [key, field] of orderedProperties(schema)) {
    const initial = field.default ?? firstChoice(field);
    if (initial !== undefined) metadata[key] = initial;
  }
  return metadata;
}

function firstChoice(field: FieldSchema): unknown {
  if (isList(field) || controlOf(field) === "input") return undefined;
  const first = field["ui:options"]?.[0] ?? field.enum?.[0];
  return typeof first === "object" ? first.value : first;
}

/**
 * What Vercel sends: what the person chose in the fields they can change; for the others, on
 * create their default and on update the resource's current value, unchanged. A paid-only field
 * left out while the plan is free is not sent on create.
 */
export function metadataToSend(
  schema: MetadataSchema | undefined,
  chosen: JsonObject,
  context: FormContext,
  current: JsonObject = {},
): JsonObject {
  const properties = orderedProperties(schema);
  if (properties.length === 0) return chosen;
  const sent: JsonObject = context.mode === "update" ? { ...current } : {};
  for (const [key, field] of properties) {
    if (isEditable(field, context)) {
      if (chosen[key] !== undefined) sent[key] = chosen[key];
      else delete sent[key];
    } else if (context.mode === "create") {
      const withheld = field["ui:paid-only"] === true && !context.paidPlan;
      if (!withheld && field.default !== undefined) sent[key] = field.default;
    }
  }
  return sent;
}
