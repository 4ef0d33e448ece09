import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { BillingQueries } from "./billing-queries.ts";
import type { TransferRecord } from "./records.ts";
import type { ResourceTransfersTable, Tables } from "./tables.ts";

/** Resource transfer claims (spec §4.16) and the move of their resources. */
export class TransferQueries {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly billing: BillingQueries,
    private readonly clock: () => Date,
  ) {}

  async insert(input: {
    sourceInstallationId: string;
    resourceIds: string[];
    expiresAt: number;
  }): Promise<TransferRecord> {
    const row = {
      id: `ptc_${randomBytes(12).toString("base64url")}`,
      source_installation_id: input.sourceInstallationId,
      resource_ids: JSON.stringify(input.resourceIds),
      expires_at_ms: input.expiresAt,
      status: "pending" as const,
      target_installation_id: null,
      created_at: new Date().toISOString(),
      completed_at: null,
    };
    await this.db.insertInto("resource_transfers").values(row).execute();
    return toRecord(row);
  }

  async get(id: string): Promise<TransferRecord | undefined> {
    const row = await this.db
      .selectFrom("resource_transfers")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Completes a pending, unexpired claim for `targetInstallationId`. The conditional update is
   * the serialisation point: of concurrent accepts exactly one gets true (PostgreSQL makes the
   * others wait on the row lock and re-check; SQLite runs one write transaction at a time).
   */
  async complete(id: string, targetInstallationId: string, nowMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable("resource_transfers")
      .set({
        status: "completed",
        target_installation_id: targetInstallationId,
        completed_at: new Date(nowMs).toISOString(),
      })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("expires_at_ms", ">", nowMs)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Moves the live resources among `ids` from one installation to another and records their new
   * owner from now on, which splits their billing (see `billing.ownerHistories`); returns how
   * many moved. Run it in a transaction so the move and its record go together.
   */
  async moveResources(ids: string[], from: string, to: string): Promise<number> {
    const at = this.clock().toISOString();
    const moved = await this.db
      .updateTable("resources")
      .set({ installation_id: to, updated_at: at })
      .where("id", "in", ids)
      .where("installation_id", "=", from)
      .where("deleted_at", "is", null)
      .returning("id")
      .execute();
    await this.billing.recordOwner(
      moved.map((row) => row.id),
      to,
      at,
    );
    return moved.length;
  }
}

function toRecord(row: Selectable<ResourceTransfersTable>): TransferRecord {
  return {
    id: row.id,
    sourceInstallationId: row.source_installation_id,
    resourceIds: JSON.parse(row.resource_ids) as string[],
    expiresAt: Number(row.expires_at_ms),
    status: row.status,
    targetInstallationId: row.target_installation_id,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}
