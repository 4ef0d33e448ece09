import type { Store } from "./store.ts";

/** Writes a batch inside one transaction; returns one result per item, in order. */
export type BatchWrite<Item, Result> = (store: Store, items: Item[]) => Promise<Result[]>;

const DEFAULT_MAX_BATCH = 256;

/**
 * Which submissions a batch waits for. `tick`: those of the current turn of the event loop (it is
 * written after the I/O callbacks), such as the requests read together. `step`: those made before
 * the promise callbacks queued now have run, such as the same step of the jobs a claim started
 * together; it waits for no I/O or timer, so those jobs still finish within their turn.
 */
export type BatchWindow = "tick" | "step";

export interface BatchOptions {
  window?: BatchWindow;
  maxBatch?: number;
}

/**
 * Group commit: items submitted in the same window (see `BatchWindow`), or while a batch is being
 * written, share the next transaction, so one commit (the costly part of a small write) serves
 * many callers. Each submission resolves only once its own transaction has committed. When a
 * batch fails, its items are written again one transaction each, so one bad item fails alone.
 */
export function groupCommit<Item, Result>(
  store: Store,
  write: BatchWrite<Item, Result>,
  options: BatchOptions = {},
): (item: Item) => Promise<Result> {
  return batched((items) => store.transaction((tx) => write(tx, items)), options);
}

/**
 * Items submitted in the same window, or while a batch is being written, are written together by
 * one call of `write` (for one statement, atomic by itself, that needs no transaction around it).
 * Each submission resolves with its own result once its batch is written. When a batch fails,
 * its items are written again one by one, so one bad item fails alone.
 */
export function batched<Item, Result>(
  write: (items: Item[]) => Promise<Result[]>,
  { window = "tick", maxBatch = DEFAULT_MAX_BATCH }: BatchOptions = {},
): (item: Item) => Promise<Result> {
  type Waiter = { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void };
  let pending: Waiter[] = [];
  let writing = false;
  let scheduled = false;

  const commit = async (batch: Waiter[]) => {
    const results = await write(batch.map((waiter) => waiter.item));
    batch.forEach((waiter, index) => {
      waiter.resolve(results[index] as Result);
    });
  };

  const flush = async () => {
    scheduled = false;
    writing = true;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      try {
        await commit(batch);
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        else await Promise.all(batch.map((waiter) => commit([waiter]).catch(waiter.reject)));
      }
    }
    writing = false;
  };

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (writing || scheduled) return;
      scheduled = true;
      if (window === "tick") setImmediate(() => void flush());
      else queueMicrotask(() => void flush());
    });
}
