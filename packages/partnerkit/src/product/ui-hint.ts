import { z } from "zod";
import { Expression, UiCondition, UiControl } from "./metadata-schema.ts";

const OptionHint = z.union([
  z.string(),
  z.strictObject({
    label: z.string().optional(),
    description: z.string().optional(),
    hidden: UiCondition.optional(),
    disabled: UiCondition.optional(),
  }),
]);

/**
 * How a field of a product's metadata schema shows in Vercel's form, given as
 * `.meta({ ui: { … } })` on the zod schema; each key becomes the `ui:` key of the same name
 * (`readOnly` → `ui:read-only`). Everything is optional: the zod type picks the control.
 */
export const UiHint = z.strictObject({
  control: UiControl.optional(),
  label: z.string().optional(),
  placeholder: z.string().optional(),
  description: z.union([z.string(), Expression]).optional(),
  readOnly: UiCondition.optional(),
  hidden: UiCondition.optional(),
  disabled: UiCondition.optional(),
  formattedValue: Expression.optional(),
  /** Only a paid plan may change it. */
  paidOnly: z.boolean().optional(),
  /** The slider's stops. */
  steps: z.array(z.number()).min(1).optional(),
  /** Labels (or option settings) by value, for the enum's values. */
  options: z.record(z.string(), OptionHint).optional(),
  gitProviders: z.array(z.enum(["github", "gitlab", "bitbucket"])).optional(),
  /** On the `z.object` itself: the fields' order in the form (default: the keys' order). */
  order: z.array(z.string()).optional(),
});
export type UiHint = z.input<typeof UiHint>;

declare module "zod" {
  interface GlobalMeta {
    /** Vercel's form for this field (partnerkit); see `UiHint`. */
    ui?: UiHint;
  }
}
