import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SQLite from "better-sqlite3";

/** How often the worker copies what was committed into the database file. */
const CHECKPOINT_INTERVAL_MS = 100;

/**
 * The worker starts this long after the database opens: starting a thread took about 25 ms and
 * 50 ms of CPU, which would compete with the server's own start (`/readyz` came 15 ms later).
 * Until then SQLite's own checkpoints run, after the few pages a start writes.
 */
const START_AFTER_MS = 1_000;

/**
 * The size at which the server's own connection checkpoints after a commit, SQLite's
 * `wal_autocheckpoint`. Its default, 1,000 pages, is kept when there is no worker. With one it is
 * a backstop: SQLite starts the WAL over only after a checkpoint that ended with no commit since
 * it began, which under steady writes seldom happens (3,000 webhook deliveries a second grew the
 * WAL to this size within seconds). At this size a commit copies the few pages the worker has
 * not yet, and the next write starts the WAL over.
 */
const OWN_CHECKPOINT_PAGES = 1_000;
const BACKSTOP_PAGES = 10_000;

/**
 * The worker, as source: it must run the same whether Partnerkit is loaded from its compiled files,
 * its TypeScript sources or a provider's bundle, and a module file of its own would need a path
 * that each of those lays out differently. A PASSIVE checkpoint never waits for, nor blocks, the
 * server's readers and writer.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("synchronous = NORMAL");
const timer = setInterval(() => db.pragma("wal_checkpoint(PASSIVE)"), workerData.intervalMs);
parentPort.once("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpoints {
  /** Stops the worker once its checkpoint in progress, if any, is done. */
  stop(): Promise<void>;
}

/**
 * Moves the checkpoints of `connection`'s database (copying committed pages from its WAL into the
 * database file, with two fsyncs) to a worker thread. SQLite runs them in the connection that
 * commits, on the server's event loop: about 8 ms for the 1,000 pages of one, in which no request
 * is read and no answer sent. If the worker fails, the connection checkpoints by itself again and
 * `onFailure` hears why.
 */
export function checkpointInBackground(
  connection: SQLite.Database,
  onFailure: (error: Error) => void,
): WalCheckpoints {
  let worker: Worker | undefined;
  let stopping = false;
  const fallBack = (error: Error) => {
    if (stopping || !connection.open) return;
    stopping = true;
    connection.pragma(`wal_autocheckpoint = ${OWN_CHECKPOINT_PAGES}`);
    onFailure(error);
  };
  const start = setTimeout(() => {
    worker = startWorker(connection.name);
    connection.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    worker.on("error", fallBack);
    worker.on("exit", (code) => fallBack(new Error(`the checkpoint worker exited (${code})`)));
  }, START_AFTER_MS);
  start.unref();
  return {
    async stop() {
      clearTimeout(start);
      if (stopping || !worker) return;
      stopping = true;
      const running = worker;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.postMessage("stop");
      await exited;
    },
  };
}

function startWorker(file: string): Worker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      file,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  // Like the connection itself, the worker alone does not keep the process alive.
  worker.unref();
  return worker;
}
