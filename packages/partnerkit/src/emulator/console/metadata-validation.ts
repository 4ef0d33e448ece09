import type { JsonObject } from "../../protocol/common.ts";
import {
  allowedValues,
  controlOf,
  type FieldSchema,
  type FormMode,
  holds,
  isList,
  type MetadataSchema,
  orderedProperties,
} from "./metadata-dialect.ts";
import { VERCEL_REGIONS } from "./vercel-regions.ts";

/** A field's problem, worded for the person filling the form; keyed by metadata key. */
export type FieldErrors = Record<string, string>;

export interface FormContext {
  mode: FormMode;
  /** False while the chosen plan is free: `ui:paid-only` fields are then neither shown nor sent. */
  paidPlan: boolean;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Whether the person can see and change the field on this form, so Vercel sends what they chose. */
export function isEditable(field: FieldSchema, context: FormContext): boolean {
  if (!isShown(field, context)) return false;
  return !holds(field["ui:disabled"], context.mode) && !holds(field["ui:read-only"], context.mode);
}

export function isShown(field: FieldSchema, context: FormContext): boolean {
  if (holds(field["ui:hidden"], context.mode)) return false;
  return context.paidPlan || field["ui:paid-only"] !== true;
}

/**
 * What Vercel's form would refuse to submit: a missing required value, a value of the wrong type,
 * outside its options, its range or its slider steps. Fields the person cannot edit are not
 * checked: their values are the defaults or the resource's current ones, sent as they are.
 */
export function validateMetadata(
  schema: MetadataSchema | undefined,
  metadata: JsonObject,
  context: FormContext,
): FieldErrors {
  const required = new Set(schema?.required ?? []);
  const errors: FieldErrors = {};
  for (const [key, field] of orderedProperties(schema)) {
    if (!isEditable(field, context)) continue;
    const value = metadata[key];
    const problem = isEmpty(value)
      ? required.has(key)
        ? "Required"
        : undefined
      : problemWith(field, value);
    if (problem) errors[key] = problem;
  }
  return errors;
}

const isEmpty = (value: unknown) =>
  value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length);

function problemWith(field: FieldSchema, value: unknown): string | undefined {
  if (isList(field)) {
    if (!Array.isArray(value)) return "Must be a list";
    if (field.minItems !== undefined && value.length < field.minItems)
      return `Choose at least ${field.minItems}`;
    if (field.maxItems !== undefined && value.length > field.maxItems)
      return `Choose at most ${field.maxItems}`;
    for (const item of value) {
      const problem = scalarProblem(field, item, field.items?.type);
      if (problem) return problem;
    }
    return undefined;
  }
  return scalarProblem(field, value, field.type);
}

function scalarProblem(
  field: FieldSchema,
  value: unknown,
  type: FieldSchema["type"],
): string | undefined {
  const control = controlOf(field);
  const numeric = type === "number" || type === "integer" || control === "slider";
  if (type === "boolean" || (control === "toggle" && type === undefined)) {
    return typeof value === "boolean" ? undefined : "Must be on or off";
  }
  if (numeric) return numberProblem(field, value, type === "integer");
  if (typeof value !== "string") return "Must be text";
  const options = allowedValues(field);
  if (options && !options.includes(value)) return `Choose one of: ${options.join(", ")}`;
  if (
    !options &&
    (control === "vercel-region" || control === "multi-vercel-region") &&
    !VERCEL_REGIONS.some((region) => region.id === value)
  ) {
    return `${value} is not a Vercel region`;
  }
  if (control === "domain" && !DOMAIN.test(value)) return "Must be a domain name, e.g. example.com";
  if (field.minLength !== undefined && value.length < field.minLength)
    return `At least ${field.minLength} characters`;
  if (field.maxLength !== undefined && value.length > field.maxLength)
    return `At most ${field.maxLength} characters`;
  if (field.pattern && !safePattern(field.pattern).test(value))
    return `Must match ${field.pattern}`;
  return undefined;
}

function numberProblem(field: FieldSchema, value: unknown, integer: boolean): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return "Must be a number";
  if (integer && !Number.isInteger(value)) return "Must be a whole number";
  const options = allowedValues(field);
  if (options && !options.includes(String(value))) return `Choose one of: ${options.join(", ")}`;
  const steps = field["ui:steps"];
  if (steps?.length && !steps.includes(value)) return `Choose one of: ${steps.join(", ")}`;
  const minimum = field.minimum ?? field.items?.minimum;
  const maximum = field.maximum ?? field.items?.maximum;
  if (minimum !== undefined && value < minimum) return `Must be at least ${minimum}`;
  if (maximum !== undefined && value > maximum) return `Must be at most ${maximum}`;
  if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum)
    return `Must be more than ${field.exclusiveMinimum}`;
  if (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum)
    return `Must be less than ${field.exclusiveMaximum}`;
  return undefined;
}

/** A partner's pattern that is not a valid regular expression constrains nothing. */
function safePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return /.*/;
  }
}
