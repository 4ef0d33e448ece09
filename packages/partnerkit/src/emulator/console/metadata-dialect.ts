import { z } from "zod";
import { Expression, UiCondition, UiControl } from "../../product/metadata-schema.ts";

/**
 * Vercel's metadata-schema dialect (spec §15; `@vercel/sdk` `GetConfigurationProductsResponseBody`
 * `MetadataSchema`): JSON Schema with `ui:*` keys telling the provisioning form how to draw a field.
 * Plain JSON Schema (no `ui:control`) is accepted too: the form then picks a control by type.
 * Objects stay loose, so a partner's extra keys neither break the form nor get lost.
 */
/** When a field or option is hidden, disabled or read-only: always, on one form only, or by expression. */
const Condition = UiCondition;
type Condition = UiCondition;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const UiOption = z.union([
  z.string(),
  z.looseObject({
    value: z.string(),
    label: z.string().optional(),
    description: z.string().optional(),
    hidden: Condition.optional(),
    disabled: Condition.optional(),
  }),
]);
export type UiOption = z.infer<typeof UiOption>;

const FieldType = z.enum(["string", "number", "integer", "boolean", "array"]);

/**
 * A key the form reads but can do without: a value it does not understand (a nullable type list,
 * a control newer than this emulator) is dropped rather than making the whole schema unusable.
 */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const Items = z.looseObject({
  type: lenient(FieldType),
  enum: lenient(z.array(Scalar)),
  minimum: lenient(z.number()),
  maximum: lenient(z.number()),
});

export const FieldSchema = z.looseObject({
  type: lenient(FieldType),
  title: z.string().optional(),
  description: z.string().optional(),
  default: z.unknown().optional(),
  enum: lenient(z.array(Scalar)),
  minimum: lenient(z.number()),
  maximum: lenient(z.number()),
  exclusiveMinimum: lenient(z.number()),
  exclusiveMaximum: lenient(z.number()),
  minLength: lenient(z.number()),
  maxLength: lenient(z.number()),
  pattern: lenient(z.string()),
  minItems: lenient(z.number()),
  maxItems: lenient(z.number()),
  items: lenient(Items),
  "ui:control": lenient(UiControl),
  "ui:label": z.string().optional(),
  "ui:placeholder": z.string().optional(),
  "ui:description": z.union([z.string(), Expression]).optional(),
  "ui:hidden": Condition.optional(),
  "ui:disabled": Condition.optional(),
  "ui:read-only": Condition.optional(),
  "ui:formatted-value": Expression.optional(),
  "ui:paid-only": z.boolean().optional(),
  "ui:options": z.array(UiOption).optional(),
  "ui:steps": z.array(z.number()).optional(),
  "git:providers": z.array(z.string()).optional(),
});
export type FieldSchema = z.infer<typeof FieldSchema>;

export const MetadataSchema = z.looseObject({
  type: z.literal("object").optional(),
  properties: z.record(z.string(), FieldSchema).optional(),
  required: z.array(z.string()).optional(),
  "ui:order": z.array(z.string()).optional(),
});
export type MetadataSchema = z.infer<typeof MetadataSchema>;

/** Which form a field is drawn on: Provision (`create`) or the resource's settings (`update`). */
export type FormMode = "create" | "update";

/**
 * Whether a condition holds on this form. Vercel documents no grammar for `{ expr }` that we could
 * confirm, so an expression counts as false (shown, enabled) and the form notes it — the same
 * choice Vercel's own CLI makes when it meets one (`isHiddenOnCreate`).
 */
export function holds(condition: Condition | undefined, mode: FormMode): boolean {
  if (condition === undefined || typeof condition === "object") return false;
  return typeof condition === "boolean" ? condition : condition === mode;
}

export const isExpression = (value: unknown): value is Expression =>
  Expression.safeParse(value).success;

/** The control a field is drawn with: its `ui:control`, else one chosen from its plain JSON Schema. */
export function controlOf(field: FieldSchema): UiControl {
  if (field["ui:control"]) return field["ui:control"];
  if (field.type === "boolean") return "toggle";
  if (field.type === "array") return "multi-select";
  if (field.enum || field["ui:options"]) return "select";
  return "input";
}

export interface ChoiceOption {
  value: string;
  label: string;
  description?: string;
  hidden: boolean;
  disabled: boolean;
}

/** The options of a choice field: `ui:options` (with labels) else `enum` (of the field or its items). */
export function optionsOf(field: FieldSchema, mode: FormMode): ChoiceOption[] | undefined {
  const declared = field["ui:options"];
  if (declared?.length) {
    return declared.map((option) =>
      typeof option === "string"
        ? { value: option, label: option, hidden: false, disabled: false }
        : {
            value: option.value,
            label: option.label ?? option.value,
            description: option.description,
            hidden: holds(option.hidden, mode),
            disabled: holds(option.disabled, mode),
          },
    );
  }
  const values = field.enum ?? field.items?.enum;
  return values?.map((value) => ({
    value: String(value),
    label: String(value),
    hidden: false,
    disabled: false,
  }));
}

/** Every value the field accepts when it is a choice; hidden options stay valid (Vercel's CLI too). */
export function allowedValues(field: FieldSchema): string[] | undefined {
  return optionsOf(field, "create")?.map((option) => option.value);
}

export const labelOf = (key: string, field: FieldSchema): string =>
  field["ui:label"] ?? field.title ?? key;

/** The properties in `ui:order`, then the others in their declared order. */
export function orderedProperties(schema: MetadataSchema | undefined): [string, FieldSchema][] {
  const properties = schema?.properties ?? {};
  const first = (schema?.["ui:order"] ?? []).filter((key) => key in properties);
  const rest = Object.keys(properties).filter((key) => !first.includes(key));
  return [...new Set([...first, ...rest])].flatMap((key) => {
    const field = properties[key];
    return field ? [[key, field] as [string, FieldSchema]] : [];
  });
}

/** Whether the field holds a list: multi-select, multi-region, and Vercel's array-valued slider. */
export const isList = (field: FieldSchema): boolean =>
  field.type === "array" ||
  field["ui:control"] === "multi-select" ||
  field["ui:control"] === "multi-vercel-region";

export const isNumeric = (field: FieldSchema): boolean =>
  field.type === "number" ||
  field.type === "integer" ||
  field.items?.type === "number" ||
  field.items?.type === "integer" ||
  field["ui:control"] === "slider";
