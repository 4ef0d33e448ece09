import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from "kysely";
import { DEFAULT_DATABASE_PATH } from "./default-path.ts";
import { inProcessJobWakeups, type JobWakeups, postgresJobWakeups } from "./job-wakeups.ts";
import { prepareRepeatedStatements, takePrepareParameter } from "./prepared-statements.ts";
import { checkpointInBackground } from "./wal-checkpoints.ts";

export type Engine = "sqlite" | "postgres";

/** An open database: a Kysely instance without table types; each module adds its own with `withTables`. */
export interface Database {
  engine: Engine;
  kysely: Kysely<object>;
  /**
   * SQLite only: a number that moves whenever the data may have changed since it was last
   * returned, so a value read after seeing it stays current while it does not move. Undefined
   * for PostgreSQL, where other servers write without this process hearing of it.
   *
   * Commits by other connections are seen by a check costing three system calls. `freshAsOf`
   * (a `performance.now()` time, now by default) lets a check made after that moment serve:
   * a request passes its arrival, so concurrent requests share one check, yet each sees every
   * commit made before it arrived.
   */
  changeCounter?: (freshAsOf?: number) => number;
  /** How job runners hear that jobs were queued (see job-wakeups.ts). */
  jobWakeups: JobWakeups;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL: the schemas to use, as `search_path`. */
  searchPath?: string;
  /**
   * SQLite file: checkpoint in a worker thread rather than on this thread after commits (see
   * wal-checkpoints.ts), for a server; `onFailure` hears it if the worker stops working.
   */
  backgroundCheckpoints?: { onFailure(error: Error): void };
}

/**
 * Opens `DATABASE_URL`: `postgres://…`/`postgresql://…` for PostgreSQL (with `prepare=false` for a
 * transaction-mode pooler, see prepared-statements.ts), otherwise an SQLite file path or `sqlite:`
 * URL (`:memory:` for a throwaway database).
 */
export function openDatabase(
  url: string = DEFAULT_DATABASE_PATH,
  options: OpenDatabaseOptions = {},
): Database {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { url: connectionString, prepare } = takePrepareParameter(url);
    const connection = {
      connectionString,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    };
    // Imported when the first connection is needed: an SQLite server never loads the driver.
    const pool = async () => {
      const { default: pg } = await import("pg");
      const created = new pg.Pool({ ...connection, max: 10 });
      // An idle client the server closed (restart, failover, a serverless database suspending)
      // emits 'error' on the pool; unheard, it would end the process. The pool replaces the client.
      created.on("error", () => {});
      if (prepare) prepareRepeatedStatements(created);
      return created;
    };
    const kysely = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
    const jobWakeups = postgresJobWakeups(connection);
    return {
      engine: "postgres",
      kysely,
      jobWakeups,
      async close() {
        await jobWakeups.close();
        await kysely.destroy();
      },
    };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, "");
  if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  const checkpoints =
    options.backgroundCheckpoints && file !== ":memory:"
      ? checkpointInBackground(sqlite, options.backgroundCheckpoints.onFailure)
      : undefined;
  const local = { changes: 0 };
  const kysely = new Kysely<object>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite, local) }),
  });
  const jobWakeups = inProcessJobWakeups();
  return {
    engine: "sqlite",
    kysely,
    changeCounter: sqliteChangeCounter(sqlite, local),
    jobWakeups,
    async close() {
      await jobWakeups.close();
      await checkpoints?.stop();
      await kysely.destroy();
    },
  };
}

/**
 * `PRAGMA data_version` moves when another connection (a CLI command, a second process)
 * commits; this connection's own writes and transaction boundaries are counted in `local`.
 */
function sqliteChangeCounter(database: SQLite.Database, local: { changes: number }) {
  const dataVersion = database.prepare("PRAGMA data_version").pluck();
  let seen = dataVersion.get();
  let checkedAt = performance.now();
  return (freshAsOf = performance.now()) => {
    if (checkedAt <= freshAsOf) {
      checkedAt = performance.now();
      const version = dataVersion.get();
      if (version !== seen) {
        seen = version;
        local.changes++;
      }
    }
    return local.changes;
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely opens every transaction with a deferred `begin`. Two processes on one file (the server
 * and a CLI command) could then both read, and the second to write gets SQLITE_BUSY at once: its
 * snapshot is stale, so waiting cannot help. Taking the write lock at `begin` makes the second
 * wait there (busy_timeout) instead; WAL readers outside transactions are not blocked by it.
 */
const BEGIN_WRITE = "begin immediate";

/**
 * Kysely prepares every query anew, which was a tenth of a request's CPU in the read benchmark;
 * the same SQL text reuses its statement instead. Safe because better-sqlite3 runs each
 * statement to completion synchronously.
 *
 * Kysely prepares each statement right before running it, so this is also where every write is
 * counted in `local.changes`: anything but a plain read, transaction statements included, so a
 * rollback counts too.
 */
function withStatementCache(database: SQLite.Database, local: { changes: number }): SqliteDatabase {
  const statements = new Map<string, { statement: SQLite.Statement; plainRead: boolean }>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let cached = statements.get(sql);
      if (!cached) {
        const statement = database.prepare(sql === "begin" ? BEGIN_WRITE : sql);
        cached = { statement, plainRead: statement.reader && statement.readonly };
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(sql, cached);
      }
      if (!cached.plainRead) local.changes++;
      return cached.statement;
    },
  };
}
