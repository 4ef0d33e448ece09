import { z } from "zod";
import { PushFlagsConfigBody } from "../../protocol/experimentation.ts";
import type { Store } from "../../store/store.ts";
import { PartnerError } from "../partner-error.ts";
import { parseOrThrow } from "../validation.ts";
import { canonicalJson, digestOf } from "./canonical-json.ts";
import { queueFlagsSync } from "./flag-sync-job.ts";
import type { FlagItemInput, FlagSync, FlagsConfig } from "./flag-sync-types.ts";
import { toExperimentationItems } from "./vercel-items.ts";

const ItemIds = z.array(z.string().min(1).max(1024));

/**
 * `ctx.sync.flags` of one installation: each change is stored with a sync job in one transaction,
 * and the job sends it (see FlagSyncService). A change that changes nothing queues nothing.
 */
export class InstallationFlagSync implements FlagSync {
  constructor(
    private readonly store: Store,
    private readonly installationId: string,
  ) {}

  async upsert(resourceId: string, items: FlagItemInput[]): Promise<void> {
    const stored = toExperimentationItems(items).map(({ id, ...item }) => ({
      id,
      item: canonicalJson(item),
    }));
    await this.change(resourceId, (store) => store.flags.upsertItems(resourceId, stored));
  }

  async remove(resourceId: string, ids: string[]): Promise<void> {
    const unique = [...new Set(parseOrThrow(ItemIds, ids, "item ids", "ids"))];
    await this.change(resourceId, (store) => store.flags.removeItems(resourceId, unique));
  }

  async pushConfig(resourceId: string, config: FlagsConfig): Promise<void> {
    const data = parseOrThrow(
      PushFlagsConfigBody.shape.data,
      config,
      "flags configuration",
      "data",
    );
    const json = canonicalJson(data);
    await this.change(resourceId, (store) =>
      store.flags.setConfig(resourceId, json, digestOf(json)),
    );
  }

  private async change(resourceId: string, write: (store: Store) => Promise<boolean>) {
    await this.store.transaction(async (store) => {
      const resource = await store.getResource(this.installationId, resourceId);
      if (!resource || resource.deletedAt) {
        throw PartnerError.notFound(`Resource ${resourceId} not found`);
      }
      if (await write(store)) {
        await queueFlagsSync(store, { installationId: this.installationId, resourceId });
      }
    });
  }
}
