import { setTimeout as sleep } from "node:timers/promises";
import SQLite from "better-sqlite3";
import pg from "pg";
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
  /** CPU time the servers spent while draining, when it can be read (Linux). */
  serverCpuMs?: number;
  counts: JobCounts;
}

/** Runs one read-only query, with `$1`-style parameters, and returns its rows. */
type Query = <Row>(text: string, params?: unknown[]) => Promise<Row[]>;

/**
 * Reads our servers' job queue and webhook log straight from their database, beside the running
 * servers: how much background work a run left behind, and how long each job waited. Queries are
 * rare (between runs, a few per second while draining).
 */
export class JobQueueProbe {
  private constructor(
    private readonly query: Query,
    readonly close: () => Promise<void>,
  ) {}

  /** An SQLite file, opened read-only (WAL mode lets it sit beside the server). */
  static sqlite(file: string): JobQueueProbe {
    const db = new SQLite(file, { readonly: true, fileMustExist: true });
    // `$1` is PostgreSQL's placeholder; the queries here use theirs in order, as `?` binds them.
    const query: Query = async <Row>(text: string, params: unknown[] = []) =>
      db.prepare(text.replace(/\$\d+/g, "?")).all(...params) as Row[];
    return new JobQueueProbe(query, async () => {
      db.close();
    });
  }

  static async postgres(url: string): Promise<JobQueueProbe> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const query: Query = async <Row>(text: string, params: unknown[] = []) =>
      (await client.query(text, params)).rows as Row[];
    return new JobQueueProbe(query, () => client.end());
  }

  async counts(): Promise<JobCounts> {
    const rows = await this.query<{ status: string; count: number | string }>(
      "SELECT status, COUNT(*) AS count FROM jobs GROUP BY status",
    );
    const by = Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
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
  async storedWebhookEvents(): Promise<number> {
    const [row] = await this.query<{ count: number | string }>(
      "SELECT COUNT(*) AS count FROM webhook_events",
    );
    return Number(row?.count ?? 0);
  }

  /**
   * For the jobs enqueued between `from` and `to` that have succeeded: the time from enqueueing
   * to completion, in ms (the store keeps millisecond timestamps).
   */
  async completionLag(from: Date, to: Date): Promise<LatencySummary & { jobs: number }> {
    const rows = await this.query<{ created_at: string; updated_at: string }>(
      "SELECT created_at, updated_at FROM jobs WHERE status = 'succeeded' AND created_at >= $1 AND created_at <= $2",
      [from.toISOString(), to.toISOString()],
    );
    const lag = new LatencyRecorder();
    for (const row of rows) lag.record(Date.parse(row.updated_at) - Date.parse(row.created_at));
    return { ...lag.summary(), jobs: lag.count };
  }

  /** Waits until nothing is queued or running, or `timeoutMs` passed. */
  async waitUntilDrained(timeoutMs: number, serverPids: readonly number[] = []): Promise<Drain> {
    const cpuBefore = await totalCpuMs(serverPids);
    const started = performance.now();
    let counts = await this.counts();
    while (counts.pending > 0 && performance.now() - started < timeoutMs) {
      await sleep(100);
      counts = await this.counts();
    }
    const ms = performance.now() - started;
    const cpuAfter = await totalCpuMs(serverPids);
    return {
      drained: counts.pending === 0,
      ms,
      ...(cpuBefore !== undefined &&
        cpuAfter !== undefined && { serverCpuMs: cpuAfter - cpuBefore }),
      counts,
    };
  }
}

/** The CPU time of all these processes together, or undefined if one cannot be read. */
export async function totalCpuMs(pids: readonly number[]): Promise<number | undefined> {
  if (pids.length === 0) return undefined;
  const each = await Promise.all(pids.map(processCpuMs));
  return each.some((ms) => ms === undefined)
    ? undefined
    : each.reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
}
