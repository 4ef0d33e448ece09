import { z } from "zod";

/**
 * Vercel's experimentation (flags) API, spec §5.18 and §11.3. Sources: `@vercel/sdk` 1.28 models
 * `create…/update…/delete…ExperimentationItems…op` and `…ExperimentationGlobalConfigop`, and
 * Vercel's REST reference ("Push data into a user-provided Edge Config" / "… Global Config").
 */

/** `category` of an item: `flag` or `experiment` (SDK closed enum). */
export const ExperimentationCategory = z.enum(["flag", "experiment"]);
export type ExperimentationCategory = z.infer<typeof ExperimentationCategory>;

/**
 * One experimentation item as the partner sends it. The length limits are the reference's; times
 * are epoch milliseconds (the SDK types them as numbers; milliseconds in practice, spec §15).
 */
export const ExperimentationItem = z.object({
  id: z.string().min(1).max(1024),
  slug: z.string().min(1).max(1024),
  origin: z.string().min(1).max(2048),
  category: ExperimentationCategory.optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  isArchived: z.boolean().optional(),
  createdAt: z.number().int().nonnegative().optional(),
  updatedAt: z.number().int().nonnegative().optional(),
});
export type ExperimentationItem = z.infer<typeof ExperimentationItem>;

/** `POST …/resources/{resourceId}/experimentation/items` → 204. */
export const CreateExperimentationItemsBody = z.object({
  items: z.array(ExperimentationItem).min(1),
});
export type CreateExperimentationItemsBody = z.infer<typeof CreateExperimentationItemsBody>;

/** `PATCH …/experimentation/items/{itemId}` → 204: the item without its id, which is in the path. */
export const UpdateExperimentationItemBody = ExperimentationItem.omit({ id: true });
export type UpdateExperimentationItemBody = z.infer<typeof UpdateExperimentationItemBody>;

/** A value of the flags configuration: JSON without `undefined`. */
export type FlagsConfigValue =
  | string
  | number
  | boolean
  | null
  | FlagsConfigValue[]
  | { [key: string]: FlagsConfigValue };

export const FlagsConfigValue: z.ZodType<FlagsConfigValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(FlagsConfigValue),
    z.record(z.string(), FlagsConfigValue),
  ]),
);

/** `PUT …/experimentation/global-config` (or `…/edge-config`): the whole configuration. */
export const PushFlagsConfigBody = z.object({ data: z.record(z.string(), FlagsConfigValue) });
export type PushFlagsConfigBody = z.infer<typeof PushFlagsConfigBody>;

/** What `PUT`/`GET` of the configuration answer with (200); `GET`/`HEAD` may answer 304. */
export const FlagsConfigState = z.object({
  items: z.record(z.string(), FlagsConfigValue),
  digest: z.string(),
  updatedAt: z.number(),
  purpose: z.enum(["flags", "experimentation"]).optional(),
});
export type FlagsConfigState = z.infer<typeof FlagsConfigState>;

/**
 * The two names of the configuration endpoint. Vercel's June 2026 reference documents
 * `edge-config`; SDK 1.28 and the July 2026 reference call it `global-config` (the "Global Config"
 * rename). Which one is in force is UNCONFIRMED (spec §15), so Partnerkit calls `global-config`
 * and falls back to `edge-config` when that path is unknown, and the emulator answers both.
 */
export const FLAGS_CONFIG_PATHS = ["global-config", "edge-config"] as const;
export type FlagsConfigPath = (typeof FLAGS_CONFIG_PATHS)[number];
