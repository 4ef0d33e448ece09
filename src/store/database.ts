import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from "kysely";
import pg from "pg";

export type Engine = "sqlite" | "postgres";

/** An open database: a Kysely instance without table types; each module adds its own with `withTables`. */
export interface Database {
  engine: Engine;
  kysely: Kysely<object>;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_PATH = ".partnerkit/partnerkit.db";

/**
 * Opens `DATABASE_URL`: `postgres://…`/`postgresql://…` for PostgreSQL, otherwise an SQLite file
 * path or `sqlite:` URL (`:memory:` for a throwaway database).
 */
export function openDatabase(
  url: string = DEFAULT_DATABASE_PATH,
  options: { searchPath?: string } = {},
): Database {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    });
    const kysely = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
    return { engine: "postgres", kysely, close: () => kysely.destroy() };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, "");
  if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  const kysely = new Kysely<object>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return { engine: "sqlite", kysely, close: () => kysely.destroy() };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew, which was a tenth of a request's CPU in the read benchmark;
 * the same SQL text reuses its statement instead. Safe because better-sqlite3 runs each
 * statement to completion synchronously.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
