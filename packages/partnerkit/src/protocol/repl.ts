import { z } from "zod";

/** POST …/resources/{rid}/repl, spec §4.11. */
export const ReplRequest = z.object({ input: z.string(), readOnly: z.boolean().optional() });
export type ReplRequest = z.infer<typeof ReplRequest>;

// The response format is UNCONFIRMED; these blocks follow the reference example.
export const TextBlock = z.strictObject({
  type: z.literal("text"),
  text: z.string(),
  color: z.string().optional(),
  bold: z.boolean().optional(),
  italic: z.boolean().optional(),
  href: z.string().optional(),
});
export type TextBlock = z.infer<typeof TextBlock>;

export const ReplBlock = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("paragraph"), children: z.array(TextBlock) }),
  z.strictObject({
    type: z.literal("table"),
    header: z.array(TextBlock).optional(),
    rows: z.array(z.array(TextBlock)),
  }),
]);
export type ReplBlock = z.infer<typeof ReplBlock>;

export const ReplResponse = z.array(ReplBlock);
export type ReplResponse = z.infer<typeof ReplResponse>;
