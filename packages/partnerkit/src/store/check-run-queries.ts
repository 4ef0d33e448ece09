import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { CheckRunConclusion } from "../protocol/check-webhooks.ts";
import type { CheckRunsTable, Tables } from "./tables.ts";

export type CheckRunStatus = CheckRunsTable["status"];

/** What identifies a run: the Vercel check run, and which rerequest of it. */
export interface CheckRunTarget {
  installationId: string;
  deploymentId: string;
  vercelRunId: string;
  attempt: number;
  resourceId?: string;
  vercelCheckId?: string;
  checkName?: string;
}

export interface CheckRunRecord
  extends Required<Omit<CheckRunTarget, "resourceId" | "vercelCheckId" | "checkName">> {
  id: string;
  resourceId: string | null;
  vercelCheckId: string | null;
  checkName: string | null;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  conclusionText: string | null;
  output: Record<string, unknown> | null;
  externalUrl: string | null;
  reported: boolean;
  startedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CheckRunConclusionChange {
  conclusion: CheckRunConclusion;
  conclusionText?: string | null;
  output?: Record<string, unknown> | null;
  externalUrl?: string | null;
}

/**
 * Deployment check runs (spec §8): queued → running → completed. A run leaves `queued`/`running`
 * for `completed` once, in one conditional update, which is how exactly one conclusion is reached.
 */
export class CheckRunQueries {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Records the run, or returns the one already recorded for the same target. */
  async create(
    target: CheckRunTarget,
    startedBy?: string,
  ): Promise<{ run: CheckRunRecord; created: boolean }> {
    const at = new Date().toISOString();
    const inserted = await this.db
      .insertInto("check_runs")
      .values({
        id: `chk_${randomBytes(10).toString("hex")}`,
        installation_id: target.installationId,
        deployment_id: target.deploymentId,
        resource_id: target.resourceId ?? null,
        vercel_run_id: target.vercelRunId,
        vercel_check_id: target.vercelCheckId ?? null,
        check_name: target.checkName ?? null,
        attempt: target.attempt,
        status: "queued",
        conclusion: null,
        conclusion_text: null,
        output: null,
        external_url: null,
        reported: 0,
        started_by: startedBy ?? null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((conflict) =>
        conflict.columns(["deployment_id", "vercel_run_id", "attempt"]).doNothing(),
      )
      .executeTakeFirst();
    const run = await this.get(target.deploymentId, target.vercelRunId, target.attempt);
    if (!run) throw new Error("Check run vanished after insert");
    return { run, created: Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1 };
  }

  async get(
    deploymentId: string,
    vercelRunId: string,
    attempt: number,
  ): Promise<CheckRunRecord | undefined> {
    const row = await this.db
      .selectFrom("check_runs")
      .selectAll()
      .where("deployment_id", "=", deploymentId)
      .where("vercel_run_id", "=", vercelRunId)
      .where("attempt", "=", attempt)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async byId(id: string): Promise<CheckRunRecord | undefined> {
    const row = await this.db
      .selectFrom("check_runs")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every run of a deployment, oldest first (each rerequest is a run of its own). */
  async ofDeployment(deploymentId: string): Promise<CheckRunRecord[]> {
    const rows = await this.db
      .selectFrom("check_runs")
      .selectAll()
      .where("deployment_id", "=", deploymentId)
      .orderBy("created_at")
      .orderBy("attempt")
      .execute();
    return rows.map(toRecord);
  }

  /** `queued` → `running`; a run already running (its job retried after a crash) stays so. */
  async markRunning(id: string, resourceId: string | null, checkName: string | null) {
    const result = await this.db
      .updateTable("check_runs")
      .set({
        status: "running",
        resource_id: resourceId,
        check_name: checkName,
        updated_at: new Date().toISOString(),
      })
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Concludes the run if it is still `from`; false when it was concluded meanwhile. */
  async conclude(
    id: string,
    from: CheckRunStatus[],
    change: CheckRunConclusionChange,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("check_runs")
      .set({
        status: "completed",
        conclusion: change.conclusion,
        conclusion_text: change.conclusionText ?? null,
        output: change.output ? JSON.stringify(change.output) : null,
        external_url: change.externalUrl ?? null,
        updated_at: new Date().toISOString(),
      })
      .where("id", "=", id)
      .where("status", "in", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markReported(id: string): Promise<void> {
    await this.db
      .updateTable("check_runs")
      .set({ reported: 1, updated_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute();
  }
}

function toRecord(row: Selectable<CheckRunsTable>): CheckRunRecord {
  return {
    id: row.id,
    installationId: row.installation_id,
    deploymentId: row.deployment_id,
    resourceId: row.resource_id,
    vercelRunId: row.vercel_run_id,
    vercelCheckId: row.vercel_check_id,
    checkName: row.check_name,
    attempt: Number(row.attempt),
    status: row.status,
    conclusion: row.conclusion,
    conclusionText: row.conclusion_text,
    output: row.output === null ? null : (JSON.parse(row.output) as Record<string, unknown>),
    externalUrl: row.external_url,
    reported: Number(row.reported) === 1,
    startedBy: row.started_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
