import { type Kysely, sql } from "kysely";
import type pg from "pg";

/**
 * Tells job runners that jobs were queued, so an idle runner claims them within milliseconds
 * instead of at its next poll. A wake is only a hint: runners still poll, which covers due
 * times in the future, expired leases and any wake that was missed.
 */
export interface JobWakeups {
  /**
   * Calls `listener` soon after jobs are queued, with their kinds when known (undefined: any kind
   * may be due); returns a function that stops calling it.
   */
  subscribe(listener: JobsQueuedListener): () => void;
  /**
   * Says, through `db`, that jobs of `kinds` (of any kind when undefined) were just queued. Inside
   * a transaction the word gets out when it commits: on SQLite the listeners' claims wait for the
   * one connection it holds, on PostgreSQL a NOTIFY is delivered at commit and dropped on
   * rollback.
   */
  announce<DB>(db: Kysely<DB>, kinds?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export type JobsQueuedListener = (kinds?: readonly string[]) => void;

/**
 * SQLite serves one process: its runners hear about the jobs this process queues, and of which
 * kinds, so that only the pools that run them look for them (a delivery's wake made every pool
 * claim, and four of five claims found nothing).
 */
export function inProcessJobWakeups(): JobWakeups {
  const listeners = new Set<JobsQueuedListener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async announce(_db, kinds) {
      for (const listener of listeners) listener(kinds);
    },
    async close() {
      listeners.clear();
    },
  };
}

/**
 * NOTIFY is database-wide while each deployment keeps its tables in its own schema: the payload
 * names the schema of the jobs queued, and a listener ignores the other schemas'.
 */
const CHANNEL = "partnerkit_jobs_queued";
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;

/**
 * Where the LISTEN connection goes: what the pool's connections use. Kept to these fields, so the
 * declarations do not need pg's types.
 */
export interface PostgresConnection {
  connectionString: string;
  options?: string;
}

/** A LISTEN connection, from the moment it starts opening until it is dropped. */
interface Session {
  client?: pg.Client;
}

/**
 * PostgreSQL: every instance sharing the database hears about the jobs any of them queues, over
 * one connection per process that LISTENs while a runner is subscribed. When that connection
 * drops it is opened again with backoff, and the listeners are woken once it is back, since
 * jobs queued meanwhile were announced to nobody; until then the runners' polling carries on.
 */
export function postgresJobWakeups(config: PostgresConnection): JobWakeups {
  // The payload names only the schema, which instances of an earlier version also understand:
  // every pool of a listener looks for due jobs.
  const listeners = new Set<JobsQueuedListener>();
  let session: Session | undefined;
  let ending: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;
  let retryMs = RECONNECT_FIRST_MS;
  let closed = false;

  const wake = () => {
    for (const listener of listeners) listener();
  };

  const drop = (current: Session): boolean => {
    if (session !== current) return false;
    session = undefined;
    if (current.client) ending = current.client.end().catch(() => {});
    return true;
  };

  const lost = (current: Session) => {
    if (!drop(current) || closed || listeners.size === 0 || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      listen();
    }, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
  };

  const listen = () => {
    if (session || closed || listeners.size === 0) return;
    const current: Session = {};
    session = current;
    void (async () => {
      // Imported on first use, as the pool does: an SQLite server never loads the driver.
      const { default: driver } = await import("pg");
      if (session !== current) return;
      const client = new driver.Client(config);
      current.client = client;
      // Unheard, an 'error' (the server closed the connection) would end the process.
      client.on("error", () => lost(current));
      client.on("end", () => lost(current));
      await client.connect();
      const { rows } = await client.query<{ schema: string }>("select current_schema() as schema");
      const schema = rows[0]?.schema;
      client.on("notification", (message) => {
        if (message.channel === CHANNEL && message.payload === schema) wake();
      });
      // Names the connection in pg_stat_activity, for an operator wondering what it is.
      await client.query("select set_config('application_name', $1, false)", [
        `partnerkit jobs: ${schema}`,
      ]);
      await client.query(`listen ${CHANNEL}`);
      if (session !== current) return;
      retryMs = RECONNECT_FIRST_MS;
      wake();
    })().catch(() => lost(current));
  };

  const stopListening = () => {
    if (retry) clearTimeout(retry);
    retry = undefined;
    if (session) drop(session);
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      listen();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopListening();
      };
    },
    async announce(db) {
      await sql`select pg_notify(${CHANNEL}, current_schema())`.execute(db);
    },
    async close() {
      closed = true;
      listeners.clear();
      stopListening();
      await ending;
    },
  };
}
