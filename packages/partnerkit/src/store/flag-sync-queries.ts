import type { Kysely, Selectable } from "kysely";
import type { FlagSyncItemsTable, FlagSyncResourcesTable, Tables } from "./tables.ts";

/** An experimentation item whose latest version Vercel has not acknowledged. */
export interface PendingFlagItem {
  id: string;
  /** The item without its id, as canonical JSON; null when it is to be deleted. */
  item: string | null;
  version: number;
  knownToVercel: boolean;
}

/** What a sync of one resource reads before it talks to Vercel. */
export interface FlagSyncState {
  /** Changes since this read move it on; the lease is released only when it has not moved. */
  revision: number;
  /** The configuration last given to `pushConfig`, as canonical JSON, with its sha256. */
  config: string | null;
  configDigest: string | null;
  /** What Vercel acknowledged last: the digest, and the Edge Config it went to. */
  pushedDigest: string | null;
  pushedEdgeConfigId: string | null;
  /** A first push waits for this time (ISO), when Vercel's side of provisioning should be done. */
  pushNotBefore: string | null;
  items: PendingFlagItem[];
}

/** One item change Vercel acknowledged. */
export interface SentFlagItem {
  id: string;
  version: number;
  /** Whether Vercel has the item now (created or updated), or not (deleted). */
  onVercel: boolean;
}

/**
 * The desired experimentation state of resources and how far Vercel has it (migration 0016).
 * Every write is one conditional statement, so two writers never lose a change: versions only
 * grow, and what Vercel acknowledged is recorded only over an older acknowledgement. The sync of
 * a resource is one job at a time, by a lease (`acquire`/`renew`/`release`).
 */
export class FlagSyncQueries {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly clock: () => Date,
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  /** Stores items (bodies as canonical JSON); true when any of them changed. */
  async upsertItems(resourceId: string, items: { id: string; item: string }[]): Promise<boolean> {
    if (items.length === 0) return false;
    const at = this.now();
    const result = await this.db
      .insertInto("flag_sync_items")
      .values(
        items.map((item) => ({
          resource_id: resourceId,
          item_id: item.id,
          item: item.item,
          version: 1,
          sent_version: 0,
          known_to_vercel: 0,
          updated_at: at,
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(["resource_id", "item_id"])
          .doUpdateSet((eb) => ({
            item: eb.ref("excluded.item"),
            version: eb("flag_sync_items.version", "+", 1),
            updated_at: at,
          }))
          .where((eb) =>
            eb.or([
              eb("flag_sync_items.item", "is", null),
              eb("flag_sync_items.item", "<>", eb.ref("excluded.item")),
            ]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Marks items for deletion; true when any of them changed. An id never stored may still be on
   * Vercel (made before, or by hand), so it is deleted there too.
   */
  async removeItems(resourceId: string, ids: string[]): Promise<boolean> {
    if (ids.length === 0) return false;
    const at = this.now();
    const result = await this.db
      .insertInto("flag_sync_items")
      .values(
        ids.map((id) => ({
          resource_id: resourceId,
          item_id: id,
          item: null,
          version: 1,
          sent_version: 0,
          known_to_vercel: 1,
          updated_at: at,
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(["resource_id", "item_id"])
          .doUpdateSet((eb) => ({
            item: null,
            version: eb("flag_sync_items.version", "+", 1),
            updated_at: at,
          }))
          .where("flag_sync_items.item", "is not", null),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Sets the configuration to push; true when it differs from the stored one. */
  async setConfig(resourceId: string, config: string, digest: string): Promise<boolean> {
    const at = this.now();
    const result = await this.db
      .insertInto("flag_sync_resources")
      .values({ ...emptyState(resourceId, at), config, config_digest: digest })
      .onConflict((conflict) =>
        conflict
          .column("resource_id")
          .doUpdateSet({ config, config_digest: digest, updated_at: at })
          .where((eb) =>
            eb.or([
              eb("flag_sync_resources.config_digest", "is", null),
              eb("flag_sync_resources.config_digest", "<>", digest),
            ]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Holds the configuration's push until `notBefore` (ISO). */
  async deferPush(resourceId: string, notBefore: string): Promise<void> {
    const at = this.now();
    await this.db
      .insertInto("flag_sync_resources")
      .values({ ...emptyState(resourceId, at), push_not_before: notBefore })
      .onConflict((conflict) =>
        conflict.column("resource_id").doUpdateSet({ push_not_before: notBefore, updated_at: at }),
      )
      .execute();
  }

  /**
   * Says the resource has something to sync: moves its revision on, so that a job syncing it now
   * looks again before it lets go (see `release`).
   */
  async requestSync(resourceId: string): Promise<void> {
    const at = this.now();
    await this.db
      .insertInto("flag_sync_resources")
      .values(emptyState(resourceId, at))
      .onConflict((conflict) =>
        conflict.column("resource_id").doUpdateSet((eb) => ({
          revision: eb("flag_sync_resources.revision", "+", 1),
          updated_at: at,
        })),
      )
      .execute();
  }

  /** Takes the resource's sync lease for `owner` (free, run out, or its own already). */
  async acquire(resourceId: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const result = await this.db
      .updateTable("flag_sync_resources")
      .set({ lock_owner: owner, locked_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where("resource_id", "=", resourceId)
      .where((eb) =>
        eb.or([
          eb("lock_owner", "is", null),
          eb("lock_owner", "=", owner),
          eb("locked_until", "<", now.toISOString()),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Extends `owner`'s lease; false once it is no longer held. */
  async renew(resourceId: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable("flag_sync_resources")
      .set({ locked_until: new Date(this.clock().getTime() + leaseMs).toISOString() })
      .where("resource_id", "=", resourceId)
      .where("lock_owner", "=", owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Lets go of `owner`'s lease; with `revision`, only if no change was requested since the read
   * that returned it (false then: the caller syncs again). A job that found the lease taken
   * leaves its change to the holder, and this is how the holder never misses it.
   */
  async release(resourceId: string, owner: string, revision?: number): Promise<boolean> {
    let update = this.db
      .updateTable("flag_sync_resources")
      .set({ lock_owner: null, locked_until: null })
      .where("resource_id", "=", resourceId)
      .where("lock_owner", "=", owner);
    if (revision !== undefined) update = update.where("revision", "=", revision);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The resource's configuration and its items not yet acknowledged, by id. */
  async pending(resourceId: string): Promise<FlagSyncState | undefined> {
    const state = await this.db
      .selectFrom("flag_sync_resources")
      .selectAll()
      .where("resource_id", "=", resourceId)
      .executeTakeFirst();
    if (!state) return undefined;
    const items = await this.db
      .selectFrom("flag_sync_items")
      .selectAll()
      .where("resource_id", "=", resourceId)
      .whereRef("version", ">", "sent_version")
      .orderBy("item_id")
      .execute();
    return toState(state, items);
  }

  /** Records what Vercel acknowledged; a deletion acknowledged at the latest version is dropped. */
  async markItemsSent(resourceId: string, sent: SentFlagItem[]): Promise<void> {
    const at = this.now();
    for (const item of sent) {
      await this.db
        .updateTable("flag_sync_items")
        .set({
          sent_version: item.version,
          known_to_vercel: item.onVercel ? 1 : 0,
          updated_at: at,
        })
        .where("resource_id", "=", resourceId)
        .where("item_id", "=", item.id)
        .where("sent_version", "<", item.version)
        .execute();
    }
    await this.db
      .deleteFrom("flag_sync_items")
      .where("resource_id", "=", resourceId)
      .where("item", "is", null)
      .whereRef("version", "=", "sent_version")
      .execute();
  }

  /** Records the configuration Vercel acknowledged, if `owner` still holds the lease. */
  async markPushed(
    resourceId: string,
    owner: string,
    pushed: { digest: string; edgeConfigId: string },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("flag_sync_resources")
      .set({
        pushed_digest: pushed.digest,
        pushed_edge_config_id: pushed.edgeConfigId,
        updated_at: this.now(),
      })
      .where("resource_id", "=", resourceId)
      .where("lock_owner", "=", owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

function emptyState(resourceId: string, at: string): Selectable<FlagSyncResourcesTable> {
  return {
    resource_id: resourceId,
    config: null,
    config_digest: null,
    pushed_digest: null,
    pushed_edge_config_id: null,
    push_not_before: null,
    revision: 1,
    lock_owner: null,
    locked_until: null,
    updated_at: at,
  };
}

function toState(
  row: Selectable<FlagSyncResourcesTable>,
  items: Selectable<FlagSyncItemsTable>[],
): FlagSyncState {
  return {
    revision: Number(row.revision),
    config: row.config,
    configDigest: row.config_digest,
    pushedDigest: row.pushed_digest,
    pushedEdgeConfigId: row.pushed_edge_config_id,
    pushNotBefore: row.push_not_before,
    items: items.map((item) => ({
      id: item.item_id,
      item: item.item,
      version: Number(item.version),
      knownToVercel: Number(item.known_to_vercel) === 1,
    })),
  };
}
