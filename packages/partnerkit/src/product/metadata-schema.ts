import { z } from "zod";

/*
 * Vercel's metadata schema dialect and product configuration, as the Integrations Console takes
 * them. Shapes follow @vercel/sdk 1.28 `getconfigurationproductsresponsebody.ts` (MetadataSchema,
 * Properties1…6, Products, Protocols) and `properties7.ts` (Properties7…12); see
 * docs/protocol-notes.md. Objects are strict so `--check` names a misspelt `ui:` key.
 */

/** A condition Vercel evaluates against the form's values. */
export const Expression = z.strictObject({ expr: z.string() });
export type Expression = z.infer<typeof Expression>;

/** `ui:hidden`, `ui:disabled`, `ui:read-only`: always, never, on one form only, or an expression. */
export const UiCondition = z.union([z.boolean(), z.enum(["create", "update"]), Expression]);
export type UiCondition = z.infer<typeof UiCondition>;

export const UI_CONTROLS = [
  "input",
  "toggle",
  "slider",
  "select",
  "radio-button",
  "multi-select",
  "vercel-region",
  "multi-vercel-region",
  "vercel-country",
  "domain",
  "git-namespace",
] as const;
export const UiControl = z.enum(UI_CONTROLS);
export type UiControl = z.infer<typeof UiControl>;

/** One choice of a select, radio button, multi-select or region control. */
export const UiOption = z.strictObject({
  value: z.string(),
  // The SDK types region and country options without a label (Vercel names the region itself).
  label: z.string().optional(),
  description: z.string().optional(),
  hidden: UiCondition.optional(),
  disabled: UiCondition.optional(),
});
export type UiOption = z.infer<typeof UiOption>;

/** Options of the region and country controls may also be bare values. */
const UiOptions = z.array(z.union([UiOption, z.string()]));

/** Keys every control takes. */
const fieldBase = {
  description: z.string().optional(),
  "ui:label": z.string().optional(),
  "ui:description": z.union([z.string(), Expression]).optional(),
  "ui:read-only": UiCondition.optional(),
  "ui:hidden": UiCondition.optional(),
  "ui:disabled": UiCondition.optional(),
  "ui:formatted-value": Expression.optional(),
  "ui:paid-only": z.boolean().optional(),
};

const stringRules = {
  enum: z.array(z.string()).optional(),
  minLength: z.number().optional(),
  maxLength: z.number().optional(),
  pattern: z.string().optional(),
  default: z.string().optional(),
  "ui:placeholder": z.string().optional(),
};

const numberRules = {
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  exclusiveMinimum: z.number().optional(),
  exclusiveMaximum: z.number().optional(),
};

const arrayRules = {
  minItems: z.number().optional(),
  maxItems: z.number().optional(),
};

const StringItems = z.strictObject({
  type: z.literal("string"),
  enum: z.array(z.string()).optional(),
  minLength: z.number().optional(),
  maxLength: z.number().optional(),
  pattern: z.string().optional(),
});

const StringInputField = z.strictObject({
  ...fieldBase,
  ...stringRules,
  type: z.literal("string"),
  "ui:control": z.literal("input"),
});

const NumberInputField = z.strictObject({
  ...fieldBase,
  ...numberRules,
  type: z.literal("number"),
  "ui:control": z.literal("input"),
  default: z.number().optional(),
  "ui:placeholder": z.string().optional(),
});

const ToggleField = z.strictObject({
  ...fieldBase,
  type: z.literal("boolean"),
  "ui:control": z.literal("toggle"),
  default: z.boolean().optional(),
});

/** Vercel's slider holds an array of numbers (docs: "the items … must have a type of number"). */
const SliderField = z.strictObject({
  ...fieldBase,
  ...arrayRules,
  type: z.literal("array"),
  "ui:control": z.literal("slider"),
  items: z.strictObject({ type: z.literal("number"), ...numberRules }),
  "ui:steps": z.array(z.number()).min(1),
  default: z.array(z.number()).optional(),
});

const ChoiceField = z.strictObject({
  ...fieldBase,
  ...stringRules,
  type: z.literal("string"),
  "ui:control": z.enum(["select", "radio-button"]),
  "ui:options": z.array(UiOption.extend({ label: z.string() })).min(1),
});

const MultiSelectField = z.strictObject({
  ...fieldBase,
  ...arrayRules,
  type: z.literal("array"),
  "ui:control": z.literal("multi-select"),
  items: StringItems,
  "ui:options": z.array(UiOption.extend({ label: z.string() })).min(1),
  "ui:placeholder": z.string().optional(),
  default: z.array(z.string()).optional(),
});

/** The SDK requires `ui:options` here; Vercel's docs call the region list a restriction, so optional. */
const RegionField = z.strictObject({
  ...fieldBase,
  ...stringRules,
  type: z.literal("string"),
  "ui:control": z.enum(["vercel-region", "vercel-country"]),
  "ui:options": UiOptions.optional(),
});

const MultiRegionField = z.strictObject({
  ...fieldBase,
  ...arrayRules,
  type: z.literal("array"),
  "ui:control": z.literal("multi-vercel-region"),
  items: StringItems,
  "ui:options": UiOptions.optional(),
  "ui:placeholder": z.string().optional(),
  default: z.array(z.string()).optional(),
});

const DomainField = z.strictObject({
  ...fieldBase,
  ...stringRules,
  type: z.literal("string"),
  "ui:control": z.literal("domain"),
});

const GitNamespaceField = z.strictObject({
  ...fieldBase,
  type: z.literal("string"),
  "ui:control": z.literal("git-namespace"),
  "ui:placeholder": z.string().optional(),
  "git:providers": z.array(z.enum(["github", "gitlab", "bitbucket"])).optional(),
});

const FIELDS = {
  input: z.union([StringInputField, NumberInputField]),
  toggle: ToggleField,
  slider: SliderField,
  select: ChoiceField,
  "radio-button": ChoiceField,
  "multi-select": MultiSelectField,
  "vercel-region": RegionField,
  "vercel-country": RegionField,
  "multi-vercel-region": MultiRegionField,
  domain: DomainField,
  "git-namespace": GitNamespaceField,
} satisfies Record<UiControl, z.ZodType>;

type FieldOf<Control extends UiControl> = z.infer<(typeof FIELDS)[Control]>;
export type MetadataField = { [Control in UiControl]: FieldOf<Control> }[UiControl];

/** One property of the form: the shape its `ui:control` calls for. */
export const MetadataField: z.ZodType<MetadataField> = z
  .looseObject({ "ui:control": UiControl })
  .pipe(
    z.custom<MetadataField>().superRefine((field, ctx) => {
      const result = FIELDS[field["ui:control"]].safeParse(field);
      if (result.success) return;
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: "custom" });
    }),
  );

export const VercelMetadataSchema = z.strictObject({
  type: z.literal("object"),
  properties: z.record(z.string(), MetadataField),
  required: z.array(z.string()).optional(),
  "ui:order": z.array(z.string()).optional(),
});
export type VercelMetadataSchema = z.infer<typeof VercelMetadataSchema>;
