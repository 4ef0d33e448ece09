import { setTimeout as sleep } from "node:timers/promises";
import { withClient } from "../servers/postgres.ts";

/** How PostgreSQL read one table, as counted in `pg_stat_user_tables`. */
export interface TableScans {
  table: string;
  rows: number;
  seqScans: number;
  /** Rows read by those sequential scans. */
  seqRowsRead: number;
  indexScans: number;
}

/** Counters of every table, or their growth since `before`. */
export async function tableScans(url: string, before?: TableScans[]): Promise<TableScans[]> {
  const now = await readTableScans(url);
  if (!before) return now;
  const earlier = new Map(before.map((scans) => [scans.table, scans]));
  return now.map((scans) => {
    const then = earlier.get(scans.table);
    return {
      ...scans,
      seqScans: scans.seqScans - (then?.seqScans ?? 0),
      seqRowsRead: scans.seqRowsRead - (then?.seqRowsRead ?? 0),
      indexScans: scans.indexScans - (then?.indexScans ?? 0),
    };
  });
}

/**
 * Growth since `before` once PostgreSQL has counted everything: backends report their counts
 * when they go idle, up to 10 s late (PostgreSQL 15's `PGSTAT_IDLE_INTERVAL`), so this polls
 * until two readings a second apart agree.
 */
export async function settledTableScans(url: string, before: TableScans[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await tableScans(url, before);
  while (Date.now() < deadline) {
    await sleep(1_000);
    const next = await tableScans(url, before);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  return last;
}

async function readTableScans(url: string): Promise<TableScans[]> {
  const { rows } = await withClient(url, (client) =>
    client.query<{ table: string; rows: string; seq: string; seq_read: string; idx: string }>(
      `SELECT relname AS table, n_live_tup AS rows, seq_scan AS seq, seq_tup_read AS seq_read,
              coalesce(idx_scan, 0) AS idx
       FROM pg_stat_user_tables ORDER BY relname`,
    ),
  );
  return rows.map((row) => ({
    table: row.table,
    rows: Number(row.rows),
    seqScans: Number(row.seq),
    seqRowsRead: Number(row.seq_read),
    indexScans: Number(row.idx),
  }));
}
