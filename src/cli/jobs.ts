import { openDatabase } from "../store/database.ts";
import { listJobs, requeueJob } from "../store/job-queries.ts";
import { migrateStore } from "../store/kysely-store.ts";
import type { JobRecord } from "../store/records.ts";
import type { Tables } from "../store/tables.ts";

const STATUSES: JobRecord["status"][] = ["queued", "running", "succeeded", "dead"];

/** `partnerkit jobs [status]` lists jobs; `partnerkit jobs retry <id>` puts one back in the queue. */
export async function jobsCommand(
  args: string[],
  databaseUrl: string | undefined,
): Promise<number> {
  const database = openDatabase(databaseUrl || undefined);
  try {
    await migrateStore(database);
    const db = database.kysely.withTables<Tables>();
    if (args[0] === "retry") {
      const id = args[1];
      if (!id) return usage("Usage: partnerkit jobs retry <job id>");
      const requeued = await requeueJob(db, id);
      process.stdout.write(
        requeued ? `${id} queued again\n` : `${id}: no such job, or it is running\n`,
      );
      return requeued ? 0 : 1;
    }
    const status = STATUSES.find((candidate) => candidate === args[0]);
    if (args[0] && !status)
      return usage(`Unknown status ${args[0]}; one of ${STATUSES.join(", ")}`);
    const jobs = await listJobs(db, { status });
    for (const job of jobs) {
      const error = job.lastError ? `  ${job.lastError}` : "";
      process.stdout.write(
        `${job.id}  ${job.kind}  ${job.status}  attempts ${job.attempts}/${job.maxAttempts}  ${job.runAt}${error}\n`,
      );
    }
    process.stdout.write(`${jobs.length} job(s)\n`);
    return 0;
  } finally {
    await database.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`${message}\n`);
  return 1;
}
