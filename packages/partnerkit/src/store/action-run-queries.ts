import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { ActionRunChange, ActionRunRecord, ActionTarget } from "./records.ts";
import { outcomeContext } from "./sealed-contexts.ts";
import type { SecretBox } from "./secret-box.ts";
import type { ActionRunsTable, Tables } from "./tables.ts";

/** Deployment action runs: one per (deployment, resource, action), outcomes sealed at rest. */
export class ActionRunQueries {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly box: SecretBox,
  ) {}

  async create(
    target: ActionTarget,
    startedBy?: string,
  ): Promise<{ run: ActionRunRecord; created: boolean }> {
    const at = new Date().toISOString();
    const inserted = await this.db
      .insertInto("action_runs")
      .values({
        id: `run_${randomBytes(10).toString("hex")}`,
        installation_id: target.installationId,
        deployment_id: target.deploymentId,
        resource_id: target.resourceId,
        action: target.action,
        status: "queued",
        status_text: null,
        outcome: null,
        reported: 0,
        cleaned_up: 0,
        started_by: startedBy ?? null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((conflict) =>
        conflict.columns(["deployment_id", "resource_id", "action"]).doNothing(),
      )
      .executeTakeFirst();
    const run = await this.get(target);
    if (!run) throw new Error("Action run vanished after insert");
    return { run, created: Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1 };
  }

  async get(target: Omit<ActionTarget, "installationId">): Promise<ActionRunRecord | undefined> {
    const row = await this.db
      .selectFrom("action_runs")
      .selectAll()
      .where("deployment_id", "=", target.deploymentId)
      .where("resource_id", "=", target.resourceId)
      .where("action", "=", target.action)
      .executeTakeFirst();
    return row && this.toRecord(row);
  }

  async transition(
    id: string,
    from: ActionRunRecord["status"][],
    to: ActionRunChange,
    unreportedOnly = false,
  ): Promise<boolean> {
    let update = this.db
      .updateTable("action_runs")
      .set({
        status: to.status,
        ...(to.statusText !== undefined && { status_text: to.statusText }),
        ...(to.outcomes !== undefined && {
          outcome:
            to.outcomes === null
              ? null
              : this.box.seal(JSON.stringify(to.outcomes), outcomeContext(id)),
        }),
        updated_at: new Date().toISOString(),
      })
      .where("id", "=", id)
      .where("status", "in", from);
    if (unreportedOnly) update = update.where("reported", "=", 0);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async mark(id: string, flag: "reported" | "cleaned_up"): Promise<void> {
    await this.db
      .updateTable("action_runs")
      .set({ [flag]: 1, updated_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute();
  }

  private toRecord(row: Selectable<ActionRunsTable>): ActionRunRecord {
    return {
      id: row.id,
      installationId: row.installation_id,
      deploymentId: row.deployment_id,
      resourceId: row.resource_id,
      action: row.action,
      status: row.status,
      statusText: row.status_text,
      outcomes:
        row.outcome === null
          ? null
          : JSON.parse(this.box.open(row.outcome, outcomeContext(row.id))),
      reported: Number(row.reported) === 1,
      cleanedUp: Number(row.cleaned_up) === 1,
      startedBy: row.started_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
