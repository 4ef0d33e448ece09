import type { FlagItemInput, FlagsConfig, HookContext } from "partnerkit";
import { applyFlagChange, type Flag, type FlagChange } from "./flag-model.ts";
import { FlagKeyTaken, type FlagStore } from "./flag-store.ts";

/** A flag's page in the dashboard, under its resource's page: the item's `origin` and SSO landing. */
export const flagPagePath = (flagId: string) => `flags/${encodeURIComponent(flagId)}`;

/**
 * Every change to a resource's flags, whoever asks for it (the data plane, the REPL, the
 * dashboard): the flag is stored, then Vercel is told through `ctx.sync.flags` — every flag as an
 * experimentation item, and the whole configuration, which Partnerkit sends only once the user
 * turned syncing on. Partnerkit sends only what changed, so listing every item each time costs
 * little and repairs what an earlier change failed to tell (or, for a resource being provisioned,
 * could not tell yet).
 */
export class FlagChanges {
  constructor(
    private readonly flags: FlagStore,
    private readonly publicUrl: string,
  ) {}

  /** Creates the flag keyed `key`, or changes it (`change.key` renames it), and tells Vercel. */
  async save(
    ctx: HookContext,
    resourceId: string,
    key: string,
    change: FlagChange,
  ): Promise<{ flag: Flag; created: boolean }> {
    const saved = await this.write(resourceId, key, change);
    await this.sync(ctx, resourceId);
    return saved;
  }

  /**
   * `save` without telling Vercel: for a resource still being provisioned, which Partnerkit
   * cannot sync before it exists. Its item goes with the first configuration push, or the next
   * change of any flag of the resource.
   */
  async write(
    resourceId: string,
    key: string,
    change: FlagChange,
  ): Promise<{ flag: Flag; created: boolean }> {
    const current = await this.flags.byKey(resourceId, key);
    const fields = applyFlagChange(key, current, change);
    if (fields.key !== key && (await this.flags.byKey(resourceId, fields.key))) {
      throw new FlagKeyTaken(fields.key);
    }
    const flag = current
      ? await this.flags.update(current, fields)
      : await this.flags.insert(resourceId, fields);
    return { flag, created: current === undefined };
  }

  /** False when the resource has no flag keyed `key`. */
  async delete(ctx: HookContext, resourceId: string, key: string): Promise<boolean> {
    const flag = await this.flags.byKey(resourceId, key);
    if (!flag) return false;
    await this.flags.delete(flag.id);
    await ctx.sync.flags.remove(resourceId, [flag.id]);
    await this.sync(ctx, resourceId);
    return true;
  }

  /** Tells Vercel the resource's flags as they are: their items, then the configuration. */
  private async sync(ctx: HookContext, resourceId: string): Promise<void> {
    await this.syncItems(ctx, resourceId);
    await ctx.sync.flags.pushConfig(resourceId, await this.config(resourceId));
  }

  /** Lists every flag of the resource in Vercel's Flags UI (Partnerkit sends only changes). */
  async syncItems(ctx: HookContext, resourceId: string): Promise<void> {
    const all = await this.flags.list(resourceId);
    if (all.length > 0)
      await ctx.sync.flags.upsert(
        resourceId,
        all.map((flag) => this.item(flag)),
      );
  }

  /**
   * What an SDK reading the resource's Edge Config needs to evaluate each live flag as the
   * evaluation endpoint does (`id` seeds the rollout hash). Archived flags are left out.
   */
  async config(resourceId: string): Promise<FlagsConfig> {
    const live = (await this.flags.list(resourceId)).filter((flag) => !flag.archived);
    return Object.fromEntries(
      live.map((flag) => [
        flag.key,
        {
          id: flag.id,
          kind: flag.kind,
          enabled: flag.enabled,
          value: flag.value,
          defaultValue: flag.defaultValue,
          rollout: flag.rollout,
        },
      ]),
    );
  }

  /** The flag as Vercel's Flags UI lists it. */
  item(flag: Flag): FlagItemInput {
    return {
      id: flag.id,
      slug: flag.key,
      origin: `${this.publicUrl}/dashboard/resources/${encodeURIComponent(flag.resourceId)}/${flagPagePath(flag.id)}`,
      category: "flag",
      name: flag.name || flag.key,
      ...(flag.description && { description: flag.description }),
      isArchived: flag.archived,
      createdAt: flag.createdAt.getTime(),
      updatedAt: flag.updatedAt.getTime(),
    };
  }
}
