import { setTimeout as sleep } from "node:timers/promises";
import { CompiledQuery } from "kysely";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { processCpuMs } from "../lib/process-cpu.ts";
import type { ChildServer } from "./child-server.ts";

/**
 * A server's billing schedule and pruning first run at a random moment within this long after
 * its start (`MAX_START_JITTER_MS` in src/core/maintenance.ts).
 */
export const FIRST_RUN_WITHIN_MS = 10_000;
/** Below this share of a core, a server is doing nothing worth waiting for. */
const IDLE_CORES = 0.05;
const POLL_MS = 1_000;

export interface QuietWait {
  ms: number;
  /** Jobs the servers ran or still had by the end of the wait, all kinds. */
  jobs: number;
  quiet: boolean;
}

/**
 * Waits until the servers' start-up work is over — the first billing run enqueues a report per
 * installation (beyond 1,000 installations spread over most of the hour) and runs those due — so
 * that a measurement after it sees only its own load and the steady trickle of reports: no job
 * due or running, and every server nearly idle for two polls in a row.
 */
export async function waitUntilQuiet(
  servers: readonly ChildServer[],
  databaseUrl: string,
  timeoutMs: number,
): Promise<QuietWait> {
  const started = performance.now();
  const database = openDatabase(databaseUrl);
  try {
    await sleep(FIRST_RUN_WITHIN_MS);
    let calm = 0;
    let cpuBefore = await serversCpuMs(servers);
    while (performance.now() - started < timeoutMs) {
      await sleep(POLL_MS);
      const cpuAfter = await serversCpuMs(servers);
      const idle = cpuAfter - cpuBefore < IDLE_CORES * POLL_MS * servers.length;
      cpuBefore = cpuAfter;
      const { due, jobs } = await queue(database);
      calm = idle && due === 0 ? calm + 1 : 0;
      if (calm >= 2) return { ms: performance.now() - started, jobs, quiet: true };
    }
    return { ms: performance.now() - started, jobs: (await queue(database)).jobs, quiet: false };
  } finally {
    await database.close();
  }
}

async function serversCpuMs(servers: readonly ChildServer[]): Promise<number> {
  let total = 0;
  for (const server of servers) total += (await processCpuMs(server.pid)) ?? 0;
  return total;
}

async function queue(database: Database) {
  const now = database.engine === "postgres" ? "$1" : "?";
  const { rows } = await database.kysely.executeQuery<{ jobs: number; due: number }>(
    CompiledQuery.raw(
      `select count(*) as jobs,
              coalesce(sum(case when status = 'running' or (status = 'queued' and run_at <= ${now})
                                then 1 else 0 end), 0) as due
       from jobs`,
      [new Date().toISOString()],
    ),
  );
  return { jobs: Number(rows[0]?.jobs ?? 0), due: Number(rows[0]?.due ?? 0) };
}
