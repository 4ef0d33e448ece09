import type { ExperimentationCategory, FlagsConfigValue } from "../../protocol/experimentation.ts";

/** The flags configuration pushed to the resource's Edge Config (Vercel's "Global Config"). */
export type FlagsConfig = Record<string, FlagsConfigValue>;

/**
 * A flag or experiment as the provider knows it, to be shown in Vercel's Flags UI (spec §5.18).
 * `id` is the provider's own, stable id; times may be dates or epoch milliseconds.
 */
export interface FlagItemInput {
  id: string;
  slug: string;
  /** Where the item is managed on the provider's side (a URL). */
  origin: string;
  category?: ExperimentationCategory;
  name?: string;
  description?: string;
  isArchived?: boolean;
  createdAt?: Date | number;
  updatedAt?: Date | number;
}

/**
 * `ctx.sync.flags`: changes to a resource's flags made on the provider's side. Each call is kept
 * in the store and sent to Vercel by a durable job, so it survives Vercel being down or the
 * process dying, and several instances never send the same change twice in a different order.
 */
export interface FlagSync {
  /** Creates or updates items in Vercel's list of the resource's flags and experiments. */
  upsert(resourceId: string, items: FlagItemInput[]): Promise<void>;
  /** Deletes items from that list by their ids. */
  remove(resourceId: string, ids: string[]): Promise<void>;
  /**
   * Replaces the flags configuration. Sent when the user enabled syncing for the resource
   * (`protocolSettings.experimentation.edgeConfigId`), else kept until they do.
   */
  pushConfig(resourceId: string, config: FlagsConfig): Promise<void>;
}
