import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { groupCommit } from "../../packages/partnerkit/src/store/group-commit.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { TEST_ENGINE } from "../support/database.ts";
import { openTestStore } from "../support/store.ts";

let database: Database;
let store: Store;
beforeEach(async () => {
  ({ database, store } = await openTestStore());
});
afterEach(() => database.close());

describe("group commit", () => {
  it("writes what is submitted together in one transaction, each resolved once committed", async () => {
    const batches: string[][] = [];
    const enqueue = groupCommit(store, async (tx, keys: string[]) => {
      batches.push(keys);
      const jobs = await tx.enqueueJobs(
        keys.map((key) => ({ kind: "k", payload: {}, dedupeKey: key })),
      );
      return jobs.map((job) => job !== undefined);
    });
    const keys = Array.from({ length: 20 }, (_, index) => `key-${index}`);
    const results = await Promise.all(
      [...keys, "key-0"].map(async (key) => ({
        created: await enqueue(key),
        stored: (await store.listJobs()).some((job) => job.dedupeKey === key),
      })),
    );
    expect(batches).toHaveLength(1);
    expect(results.map((result) => result.created)).toEqual([...keys.map(() => true), false]);
    expect(results.every((result) => result.stored)).toBe(true);
    expect(await store.listJobs()).toHaveLength(20);
  });

  it("fails only the item that makes its batch fail; the others are written one by one", async () => {
    const enqueue = groupCommit(store, async (tx, keys: string[]) => {
      const jobs = await tx.enqueueJobs(
        keys.map((key) => ({ kind: "k", payload: {}, dedupeKey: key })),
      );
      if (keys.includes("poison")) throw new Error("cannot store poison");
      return jobs.map(() => true);
    });
    const outcomes = await Promise.allSettled(["a", "poison", "b"].map((key) => enqueue(key)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect((await store.listJobs()).map((job) => job.dedupeKey).sort()).toEqual(["a", "b"]);
  });

  it.runIf(TEST_ENGINE === "sqlite")(
    "joins one step's submissions and, on SQLite, commits them within the turn",
    async () => {
      const batches: string[][] = [];
      const enqueue = groupCommit(
        store,
        async (tx, keys: string[]) => {
          batches.push(keys);
          await tx.enqueueJobs(keys.map((key) => ({ kind: "k", payload: {}, dedupeKey: key })));
          return keys.map(() => true);
        },
        { window: "step" },
      );
      const order: string[] = [];
      const nextTurn = new Promise<void>((resolve) =>
        setImmediate(() => {
          order.push("next turn");
          resolve();
        }),
      );
      const written = Promise.all(["a", "b", "c"].map((key) => enqueue(key))).then(() => {
        order.push("written");
      });
      await Promise.all([written, nextTurn]);
      expect(batches).toEqual([["a", "b", "c"]]);
      expect(order).toEqual(["written", "next turn"]);
    },
  );
});
