import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { TEST_ENGINE } from "../support/database.ts";
import { REPO_ROOT } from "../support/server-process.ts";
import { incrementCounter } from "../support/sqlite-counter.ts";

const ROUNDS = 100;

describe.skipIf(TEST_ENGINE !== "sqlite")("SQLite transactions from two processes", () => {
  it("read-then-write transactions wait for each other instead of failing SQLITE_BUSY", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "partnerkit-lock-")), "partnerkit.db");
    const setup = new SQLite(file);
    setup.pragma("journal_mode = WAL");
    setup.exec("create table counter (value integer not null); insert into counter values (0)");
    setup.close();

    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/support/sqlite-counter.ts", file, String(ROUNDS)],
      { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // Both sides run at once once the child has started: the child's first commits show.
    const check = new SQLite(file, { readonly: true });
    const counter = () =>
      (check.prepare("select value from counter").get() as { value: number }).value;
    const deadline = Date.now() + 30_000;
    while (counter() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    await incrementCounter(file, ROUNDS);
    expect(await exited, stderr).toBe(0);
    expect(counter()).toBe(2 * ROUNDS);
    check.close();
  }, 60_000);
});
