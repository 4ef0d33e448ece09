import { openDatabase } from "../store/database.ts";
import { listJobs, requeueJob } from "../store/job-queries.ts";
import { migrateStore } from "../store/kysely-store.ts";
import type { JobRecord } from "../store/records.ts";
import type { Tables } from "../store/tables.ts";
import { expectUsage, parseCommand } from "./parse.ts";

const STATUSES: JobRecord["status"][] = ["queued", "running", "succeeded", "dead"];

const USAGE = `Usage: partnerkit jobs [${STATUSES.join("|")}]
       partnerkit jobs retry <job id>

  Lists the durable jobs of DATABASE_URL (optionally by status), or puts one (e.g. a dead one)
  back in the queue.
`;

/** `partnerkit jobs [status]` lists jobs; `partnerkit jobs retry <id>` puts one back in the queue. */
export async function jobsCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { positionals } = parseCommand(USAGE, { args, options: {}, allowPositionals: true });
  const [first, id] = positionals;
  const status = STATUSES.find((candidate) => candidate === first);
  expectUsage(!first || status || (first === "retry" && id), `unexpected ${first}`, USAGE);
  const database = openDatabase(env.DATABASE_URL || undefined);
  try {
    await migrateStore(database);
    const db = database.kysely.withTables<Tables>();
    if (first === "retry" && id) {
      const requeued = await requeueJob(db, id);
      // Running servers on PostgreSQL take it at once instead of at their next poll.
      if (requeued) await database.jobWakeups.announce(db);
      process.stdout.write(
        requeued ? `${id} queued again\n` : `${id}: no such job, or it is running\n`,
      );
      return requeued ? 0 : 1;
    }
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
