import type { Kysely } from "kysely";
import type { JobStatus, Tables } from "../../packages/partnerkit/src/store/tables.ts";
import type { HookRunsTable, JournalTables } from "./hook-journal.ts";

/** Tables the run reads besides Partnerkit's typed ones: a lifecycle column and Acme KV's own. */
type ExtraTables = {
  installations: { lifecycle_locked_until: string | null };
  acme_kv_namespaces: { namespace: string; resource_id: string };
};

export type ChaosTables = Tables & JournalTables & ExtraTables;

export interface StuckJob {
  kind: string;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
}

/** What the shared database holds once the run is over. */
export interface StoredState {
  jobs: Record<JobStatus, number>;
  /** Jobs left running, dead, or queued although due. */
  stuckJobs: StuckJob[];
  /** Jobs queued for later by kind, e.g. the recovery job every synchronous rotation leaves. */
  queuedForLater: Record<string, number>;
  actionRuns: Record<string, number>;
  unfinishedRotations: number;
  pendingIdempotencyKeys: number;
  lockedInstallations: number;
  deletedResources: Set<string>;
  namespaces: Set<string>;
  hookRuns: HookRunsTable[];
}

export async function readStoredState(db: Kysely<ChaosTables>): Promise<StoredState> {
  const now = new Date().toISOString();
  const jobs = await db
    .selectFrom("jobs")
    .select(["kind", "status", "attempts", "last_error", "run_at"])
    .execute();
  const actionRuns = await db.selectFrom("action_runs").select("status").execute();
  const rotations = await db
    .selectFrom("secret_rotations")
    .select("id")
    .where("status", "in", ["requested", "rotated"])
    .execute();
  const pendingKeys = await db
    .selectFrom("idempotency_keys")
    .select("key")
    .where("state", "=", "pending")
    .execute();
  const locked = await db
    .selectFrom("installations")
    .select("id")
    .where("lifecycle_locked_until", ">", now)
    .execute();
  const deleted = await db
    .selectFrom("resources")
    .select("id")
    .where("deleted_at", "is not", null)
    .execute();
  const namespaces = await db.selectFrom("acme_kv_namespaces").select("namespace").execute();
  return {
    jobs: countBy(
      jobs.map((job) => job.status),
      { queued: 0, running: 0, succeeded: 0, dead: 0 },
    ),
    stuckJobs: jobs
      .filter((job) => job.status === "running" || job.status === "dead" || isDue(job, now))
      .map((job) => ({
        kind: job.kind,
        status: job.status,
        attempts: job.attempts,
        lastError: job.last_error,
      })),
    queuedForLater: countBy(
      jobs.filter((job) => job.status === "queued" && !isDue(job, now)).map((job) => job.kind),
      {},
    ),
    actionRuns: countBy(
      actionRuns.map((run) => run.status),
      {},
    ),
    unfinishedRotations: rotations.length,
    pendingIdempotencyKeys: pendingKeys.length,
    lockedInstallations: locked.length,
    deletedResources: new Set(deleted.map((row) => row.id)),
    namespaces: new Set(namespaces.map((row) => row.namespace)),
    hookRuns: await db.selectFrom("chaos_hook_runs").selectAll().orderBy("started_at").execute(),
  };
}

/** The process running a hook of this name right now, if any. */
export async function runningHookPid(
  db: Kysely<ChaosTables>,
  hook: string,
): Promise<number | undefined> {
  const run = await db
    .selectFrom("chaos_hook_runs")
    .select("pid")
    .where("hook", "=", hook)
    .where("finished_at", "is", null)
    .executeTakeFirst();
  return run?.pid;
}

/** A job due within this long is work still to come: a retry's backoff, a revocation. */
const SOON_MS = 30_000;

/**
 * Waits until no job is running or due soon and no deployment action is running: what the kills
 * left behind has been taken over (a lease lasts 15 s) and finished. Resolves false on timeout.
 */
export async function waitUntilIdle(db: Kysely<ChaosTables>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const soon = new Date(Date.now() + SOON_MS).toISOString();
    const busyJobs = await db
      .selectFrom("jobs")
      .select("id")
      .where((eb) =>
        eb.or([
          eb("status", "=", "running"),
          eb.and([eb("status", "=", "queued"), eb("run_at", "<=", soon)]),
        ]),
      )
      .execute();
    const runningActions = await db
      .selectFrom("action_runs")
      .select("id")
      .where("status", "in", ["queued", "running"])
      .execute();
    if (busyJobs.length === 0 && runningActions.length === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

const isDue = (job: { status: JobStatus; run_at: string }, now: string) =>
  job.status === "queued" && job.run_at <= now;

function countBy<K extends string>(
  values: K[],
  initial: Record<string, number>,
): Record<K, number> {
  const counts = { ...initial };
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts as Record<K, number>;
}
