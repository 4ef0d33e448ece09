import { withClient } from "../servers/postgres.ts";

/** Jobs of one kind our server enqueued since it started on the reset database. */
export interface JobKindCount {
  kind: string;
  enqueued: number;
  succeeded: number;
  /** Queued or running when read. */
  pending: number;
}

/**
 * The server's job queue by kind: what it did in the background while the loads ran (the
 * billing schedule's first run comes within seconds of a start) besides the measured actions.
 */
export async function jobsByKind(url: string): Promise<JobKindCount[]> {
  const { rows } = await withClient(url, (client) =>
    client.query<{ kind: string; enqueued: string; succeeded: string; pending: string }>(
      `SELECT kind, count(*) AS enqueued,
              count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
              count(*) FILTER (WHERE status IN ('queued', 'running')) AS pending
       FROM jobs GROUP BY kind ORDER BY kind`,
    ),
  );
  return rows.map((row) => ({
    kind: row.kind,
    enqueued: Number(row.enqueued),
    succeeded: Number(row.succeeded),
    pending: Number(row.pending),
  }));
}
