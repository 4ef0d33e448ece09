import type { Kysely } from "kysely";
import type { Tables } from "./tables.ts";

/**
 * What Vercel's `integration-configuration.*` webhooks change of a stored installation (spec
 * §6.4, §15): its scopes and the account that owns it.
 */
export class ConfigurationQueries {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly clock: () => Date,
  ) {}

  /** Replaces the scopes of a live installation; false when there is none. */
  async setScopes(id: string, scopes: string[]): Promise<boolean> {
    const result = await this.db
      .updateTable("installations")
      .set({ scopes: JSON.stringify(scopes), updated_at: this.clock().toISOString() })
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Moves a live installation to `to`, only from `from` (or from no account) when `from` is
   * given; true when it is now on `to`. A transfer that names another previous owner is left
   * alone rather than guessed at.
   */
  async transferAccount(id: string, from: string | undefined, to: string): Promise<boolean> {
    let update = this.db
      .updateTable("installations")
      .set({ account_id: to, updated_at: this.clock().toISOString() })
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    if (from !== undefined) {
      update = update.where((eb) =>
        eb.or([
          eb("account_id", "=", from),
          eb("account_id", "=", to),
          eb("account_id", "is", null),
        ]),
      );
    }
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
