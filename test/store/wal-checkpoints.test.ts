import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { checkpointInBackground } from "../../packages/partnerkit/src/store/wal-checkpoints.ts";
import { TEST_ENGINE } from "../support/database.ts";

const PAGE = 4096;
/** Rows of about a page each: 100 of them stay far below SQLite's own checkpoint at 1,000 pages. */
const ROWS = 100;

async function writeRows(database: Database, tag: string) {
  for (let row = 0; row < ROWS; row += 1) {
    await sql`insert into pages (body) values (${`${tag}${row}`.padEnd(PAGE - 200, ".")})`.execute(
      database.kysely,
    );
  }
}

const fileSize = (path: string) => (existsSync(path) ? statSync(path).size : 0);

describe.skipIf(TEST_ENGINE !== "sqlite")("SQLite checkpoints in a worker thread", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "partnerkit-wal-"));
    file = join(dir, "partnerkit.db");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Until the database file holds about `rows` of the rows written (by a checkpoint). */
  const waitUntilCopied = (rows: number) =>
    vi.waitFor(() => expect(fileSize(file)).toBeGreaterThan(rows * PAGE * 0.9), {
      timeout: 5_000,
    });

  async function openWithWorker(onFailure = vi.fn()) {
    const database = openDatabase(file, { backgroundCheckpoints: { onFailure } });
    await sql`create table pages (body text not null)`.execute(database.kysely);
    return database;
  }

  it("copies commits into the database file soon, long before the WAL is 1,000 pages", async () => {
    const onFailure = vi.fn();
    const database = await openWithWorker(onFailure);
    try {
      await writeRows(database, "a");
      await waitUntilCopied(ROWS);
      expect(onFailure).not.toHaveBeenCalled();
    } finally {
      await database.close();
    }
  });

  it("lets the WAL start over once all of it is copied, so it does not grow", async () => {
    const database = await openWithWorker();
    try {
      await writeRows(database, "a");
      await waitUntilCopied(ROWS);
      const walAfterFirst = fileSize(`${file}-wal`);
      await writeRows(database, "b");
      await waitUntilCopied(2 * ROWS);
      expect(fileSize(`${file}-wal`)).toBeLessThan(walAfterFirst * 1.1);
    } finally {
      await database.close();
    }
  });

  it("stops the worker on close, so the last connection removes the WAL", async () => {
    const database = await openWithWorker();
    await writeRows(database, "a");
    await waitUntilCopied(ROWS);
    await database.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SQLite(file, { readonly: true });
    expect(reopened.prepare("select count(*) as n from pages").get()).toEqual({ n: ROWS });
    reopened.close();
  });

  it("checkpoints on the connection again when the worker cannot work", async () => {
    const connection = new SQLite(file);
    connection.pragma("journal_mode = WAL");
    // The connection keeps the file it opened; the worker, opening it by name, finds none.
    unlinkSync(file);
    const onFailure = vi.fn();
    const checkpoints = checkpointInBackground(connection, onFailure);
    try {
      await vi.waitFor(() => expect(onFailure).toHaveBeenCalledTimes(1), { timeout: 5_000 });
      expect(connection.pragma("wal_autocheckpoint", { simple: true })).toBe(1_000);
    } finally {
      await checkpoints.stop();
      connection.close();
    }
  });
});
