import type { Kysely } from "kysely";
import type { Tables } from "./tables.ts";

/** Columns added by migration 0012 (see there). */
interface InstallationLifecycleColumns {
  installed_at: string | null;
  lifecycle_owner: string | null;
  lifecycle_locked_until: string | null;
}

/**
 * Install and uninstall state of installations, shared by every instance through the database:
 * a leased lock taken with a conditional update, and whether `onInstall` has completed.
 */
export class InstallationLifecycleQueries {
  private readonly db: Kysely<Tables & { installations: InstallationLifecycleColumns }>;

  constructor(
    db: Kysely<Tables>,
    private readonly clock: () => Date,
  ) {
    this.db = db.withTables<{ installations: InstallationLifecycleColumns }>();
  }

  /**
   * Takes, or as its holder renews, the installation's lock for `owner` until `leaseMs` from now;
   * false while another owner holds an unexpired lease, or when the installation does not exist. Leases use the wall clock,
   * not the store's (possibly simulated) one, since they time real work.
   */
  async lock(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = new Date();
    const result = await this.db
      .updateTable("installations")
      .set({
        lifecycle_owner: owner,
        lifecycle_locked_until: new Date(now.getTime() + leaseMs).toISOString(),
      })
      .where("id", "=", id)
      .where((eb) =>
        eb.or([
          eb("lifecycle_owner", "=", owner),
          eb("lifecycle_locked_until", "is", null),
          eb("lifecycle_locked_until", "<", now.toISOString()),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Gives the lock back, unless it has meanwhile passed to another owner. */
  async unlock(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable("installations")
      .set({ lifecycle_owner: null, lifecycle_locked_until: null })
      .where("id", "=", id)
      .where("lifecycle_owner", "=", owner)
      .execute();
  }

  /** Whether the provider's `onInstall` has completed for the installation's current life. */
  async installed(id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("installations")
      .select("installed_at")
      .where("id", "=", id)
      .executeTakeFirst();
    return row?.installed_at != null;
  }

  async markInstalled(id: string): Promise<void> {
    await this.db
      .updateTable("installations")
      .set({ installed_at: this.clock().toISOString() })
      .where("id", "=", id)
      .execute();
  }

  /** Deleted, and a later upsert of the same id is a new install whose `onInstall` runs again. */
  async markUninstalled(id: string): Promise<void> {
    const at = this.clock().toISOString();
    await this.db
      .updateTable("installations")
      .set({ deleted_at: at, updated_at: at, installed_at: null })
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .execute();
  }
}
