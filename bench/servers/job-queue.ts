import { setTimeout as sleep } from "node:timers/promises";
import SQLite from "better-sqlite3";
import { LatencyRecorder, type LatencySummary } from "../lib/latency.ts";
import { processCpuMs } from "../lib/process-cpu.ts";

/** Jobs in our server's durable queue, by status. */
export interface JobCounts {
  queued: number;
  running: number;
  succeeded: number;
  dead: number;
  /** Queued or running: work the server still has to do. */
  pending: number;
}

export interface Drain {
  drained: boolean;
  ms: number;
  /** CPU time the server spent while draining, when it can be read (Linux). */
  serverCpuMs?: number;
  counts: JobCounts;
}

/**
 * Reads our server's job queue and webhook log straight from its SQLite file, read-only, in
 * WAL mode beside the running server: how much background work a run left behind, and how long
 * each job waited. Queries are rare (between runs, a few per second while draining).
 */
export class JobQueueProbe {
  private constructor(private readonly db: SQLite.Database) {}

  static open(file: string): JobQueueProbe {
    return new JobQueueProbe(new SQLite(file, { readonly: true, fileMustExist: true }));
  }

  counts(): JobCounts {
    const rows = this.db
      .prepare("SELECT status, COUNT(*) AS count FROM jobs GROUP BY status")
      .all() as { status: string; count: number }[];
    const by = Object.fromEntries(rows.map((row) => [row.status, row.count]));
    const queued = by.queued ?? 0;
    const running = by.running ?? 0;
    return {
      queued,
      running,
      succeeded: by.succeeded ?? 0,
      dead: by.dead ?? 0,
      pending: queued + running,
    };
  }

  /** Webhook deliveries stored (each stored once, whatever the redeliveries). */
  storedWebhookEvents(): number {
    const row = this.db.prepare("SELECT COUNT(*) AS count FROM webhook_events").get() as {
      count: number;
    };
    return row.count;
  }

  /**
   * For the jobs enqueued between `from` and `to` that have succeeded: the time from enqueueing
   * to completion, in ms (the store keeps millisecond timestamps).
   */
  completionLag(from: Date, to: Date): LatencySummary & { jobs: number } {
    const rows = this.db
      .prepare(
        "SELECT created_at, updated_at FROM jobs WHERE status = 'succeeded' AND created_at >= ? AND created_at <= ?",
      )
      .all(from.toISOString(), to.toISOString()) as { created_at: string; updated_at: string }[];
    const lag = new LatencyRecorder();
    for (const row of rows) lag.record(Date.parse(row.updated_at) - Date.parse(row.created_at));
    return { ...lag.summary(), jobs: lag.count };
  }

  /** Waits until nothing is queued or running, or `timeoutMs` passed. */
  async waitUntilDrained(timeoutMs: number, serverPid?: number): Promise<Drain> {
    const cpuBefore = serverPid ? await processCpuMs(serverPid) : undefined;
    const started = performance.now();
    let counts = this.counts();
    while (counts.pending > 0 && performance.now() - started < timeoutMs) {
      await sleep(100);
      counts = this.counts();
    }
    const ms = performance.now() - started;
    const cpuAfter = serverPid ? await processCpuMs(serverPid) : undefined;
    return {
      drained: counts.pending === 0,
      ms,
      ...(cpuBefore !== undefined &&
        cpuAfter !== undefined && { serverCpuMs: cpuAfter - cpuBefore }),
      counts,
    };
  }

  close(): void {
    this.db.close();
  }
}
