import type pg from "pg";
import { ConfigError } from "../config.ts";

/**
 * `prepare=false` in a PostgreSQL URL turns prepared statements off, for a pooler in transaction
 * mode that cannot keep them (PgBouncer before 1.21, or without `max_prepared_statements`): it
 * hands each transaction any server connection, where a statement prepared on another is unknown.
 */
const PREPARE_PARAMETER = /([?&])prepare=([^&]*)/;

/** The URL without our `prepare` parameter (PostgreSQL knows no such setting), and its value. */
export function takePrepareParameter(url: string): { url: string; prepare: boolean } {
  const match = PREPARE_PARAMETER.exec(url);
  if (!match) return { url, prepare: true };
  const [found, separator, value] = match;
  if (value !== "true" && value !== "false") {
    throw new ConfigError(`DATABASE_URL: prepare must be true or false, not "${value}"`);
  }
  const after = url.slice(match.index + found.length);
  const rest =
    separator === "?"
      ? `${url.slice(0, match.index + 1)}${after.replace(/^&/, "")}`
      : `${url.slice(0, match.index)}${after}`;
  return { url: rest.replace(/\?$/, ""), prepare: value === "true" };
}

/**
 * At most this many statements are prepared, on each connection. Most of the framework's SQL is
 * one text per query; batch statements vary with their size, and past the bound run unprepared.
 */
const MAX_PREPARED = 256;

/**
 * Statements with more parameters than this are batches of many rows or ids: their texts vary
 * with the batch's size, and preparing each would fill the bound with sizes seen once.
 */
const MAX_PARAMETERS = 16;

/** Only statements that read or write rows are prepared; `begin`, `commit`, `set` and the like not. */
const DATA_STATEMENT = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * Runs the pool's repeated statements as named prepared statements: PostgreSQL parses each text
 * once per connection instead of at every execution. On a database of 1,000,000 resources a
 * resource read then cost its backend 90 instead of 116 µs, and the client 57 instead of 66.
 *
 * Each statement is still planned at every execution, for its parameters
 * (`plan_cache_mode = force_custom_plan`). PostgreSQL's default switches a prepared statement to
 * one generic plan after five runs when that plan looks no dearer; planned blind to its values,
 * the usage read of a billing report became a sequential scan of `usage_counters` (22 million
 * rows read in one benchmark run). A connection where that setting fails prepares nothing.
 * Off with `prepare=false` in the URL (see `takePrepareParameter`).
 *
 * A text with `*` in it is never prepared: a prepared `SELECT *` or `RETURNING *` fails with
 * "cached plan must not change result type" once a column is added to its table, as a newer
 * instance's migration does during a rolling deploy while this one still serves. Statements that
 * name their columns keep working across such a change; PostgreSQL plans them again itself.
 */
export function prepareRepeatedStatements(pool: pg.Pool): void {
  const names = new Map<string, string>();
  const nameOf = (text: string, values: unknown[] | undefined): string | undefined => {
    const known = names.get(text);
    if (known !== undefined) return known;
    if (!DATA_STATEMENT.test(text) || text.includes("*")) return undefined;
    if ((values?.length ?? 0) > MAX_PARAMETERS) return undefined;
    if (names.size >= MAX_PREPARED) return undefined;
    const name = `partnerkit_${names.size}`;
    names.set(text, name);
    return name;
  };
  pool.on("connect", (client) => {
    // The class's own method, looked up at each call: whatever wraps it there still sees every query.
    const query: QueryFunction = (...args) =>
      (Object.getPrototypeOf(client).query as QueryFunction).apply(client, args);
    // Queued ahead of whatever the pool's borrower sends; until it has answered, nothing is prepared.
    let plannedPerRun = false;
    query("set plan_cache_mode = force_custom_plan").then(
      () => {
        plannedPerRun = true;
      },
      () => {},
    );
    // Kysely runs every statement as `query(text, values)`; other forms (a config object, a
    // callback) pass through untouched.
    const prepared: QueryFunction = (text, values, ...rest) => {
      const plain = typeof text === "string" && (values === undefined || Array.isArray(values));
      if (!plain || rest.length > 0) return query(text, values, ...rest);
      const name = plannedPerRun ? nameOf(text, values) : undefined;
      return name === undefined ? query(text, values) : query({ name, text, values });
    };
    client.query = prepared as typeof client.query;
  });
}

/** `pg.Client#query` in the one shape this wrapper reads; its overloads are passed on as they are. */
type QueryFunction = (
  text: string | pg.QueryConfig,
  values?: unknown[],
  ...rest: unknown[]
) => Promise<pg.QueryResult>;
