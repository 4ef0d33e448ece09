import { describe, expect, it } from "vitest";
import { VersionedCache } from "../../packages/partnerkit/src/store/versioned-cache.ts";

describe("VersionedCache", () => {
  it("loads once while the version stands still, and again after it moves", async () => {
    const cache = new VersionedCache<{ n: number }>();
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await cache.get(1, "k", load)).toEqual({ n: 1 });
    expect(await cache.get(1, "k", load)).toEqual({ n: 1 });
    expect(await cache.get(2, "k", load)).toEqual({ n: 2 });
    expect(loads).toBe(2);
  });

  it("does not keep a value whose load overlapped a move another read saw", async () => {
    const cache = new VersionedCache<{ v: string }>();
    let release: () => void = () => {};
    const slow = cache.get(1, "k", async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { v: "read before the change" };
    });
    await cache.get(2, "other", async () => ({ v: "x" }));
    release();
    expect(await slow).toEqual({ v: "read before the change" });
    expect(await cache.get(2, "k", async () => ({ v: "fresh" }))).toEqual({ v: "fresh" });
    // A reader still holding the older version gets no cached value either.
    expect(await cache.get(1, "other", async () => ({ v: "reloaded" }))).toEqual({ v: "reloaded" });
  });

  it("does not keep misses, freezes what it keeps, and holds at most its capacity", async () => {
    const cache = new VersionedCache<{ nested: { n: number } }>(2);
    const value = (n: number) => async () => ({ nested: { n } });
    expect(await cache.get(1, "a", async () => undefined)).toBeUndefined();
    expect(await cache.get(1, "a", value(1))).toEqual({ nested: { n: 1 } });
    const kept = await cache.get(1, "a", value(2));
    expect(Object.isFrozen(kept?.nested)).toBe(true);
    await cache.get(1, "b", value(3));
    await cache.get(1, "c", value(4));
    // "a" was the oldest of three entries in a cache of two.
    expect(await cache.get(1, "a", value(5))).toEqual({ nested: { n: 5 } });
  });
});
