import pg from "pg";
import { processCpuMs } from "../lib/process-cpu.ts";

/** Where the PostgreSQL benchmarks create their databases, unless told otherwise. */
export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** `serverUrl` with its database replaced by `name`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates the database `name` on the server of `serverUrl` unless it exists; true if it did not. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<boolean> {
  return withClient(serverUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    return true;
  });
}

/** Drops the database `name` (closing its connections) and creates it empty. */
export async function recreateDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  });
}

/** Runs `work` on one connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * CPU time used so far by each PostgreSQL backend serving the database of `url` (all run on
 * this machine in the bench), by pid: the database's share of a request's cost, which the
 * server's own CPU time leaves out.
 */
export async function backendCpuMs(url: string): Promise<Map<number, number>> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  const { rows } = await withClient(url, (client) =>
    client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    ),
  );
  const times = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = await processCpuMs(pid);
    if (ms !== undefined) times.set(pid, ms);
  }
  return times;
}

/** CPU ms the backends used between two `backendCpuMs` samples (new ones from their start). */
export function backendCpuBetween(before: Map<number, number>, after: Map<number, number>) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
