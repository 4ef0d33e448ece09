import type { Kysely, Migration } from "kysely";

/**
 * Each pool of a job runner claims only its own kinds. Over `(status, run_at)` a pool whose kinds
 * had nothing due read every queued job of the other kinds to find that out: with a backlog of
 * webhooks, each claim of the action and billing pools walked the whole backlog. With `kind` in
 * the index, a claim of one kind reads only its due jobs, in `run_at` order, and stops at its
 * limit.
 */
export const jobClaimIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex("jobs_due_idx").execute();
    await db.schema
      .createIndex("jobs_claim_idx")
      .on("jobs")
      .columns(["status", "kind", "run_at"])
      .execute();
  },
};
