import { describe, expect, it } from "vitest";
import { VersionedCache } from "../../src/store/versioned-cache.ts";

function counted<T>(value: () => T) {
  const loader = {
    loads: 0,
    load: async () => {
      loader.loads++;
      return value();
    },
  };
  return loader;
}

describe("VersionedCache", () => {
  it("loads once while the counter stands still, and again after it moves", async () => {
    let version = 1;
    const cache = new VersionedCache<{ n: number }>(() => version);
    let n = 0;
    const loader = counted(() => ({ n: ++n }));
    expect(await cache.get("k", loader.load)).toEqual({ n: 1 });
    expect(await cache.get("k", loader.load)).toEqual({ n: 1 });
    version++;
    expect(await cache.get("k", loader.load)).toEqual({ n: 2 });
    expect(loader.loads).toBe(2);
  });

  it("does not keep a value whose load overlapped a move another read saw", async () => {
    let version = 1;
    const cache = new VersionedCache<{ v: string }>(() => version);
    let release: () => void = () => {};
    const slow = cache.get("k", async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { v: "read before the change" };
    });
    version++;
    await cache.get("other", async () => ({ v: "x" }));
    release();
    expect(await slow).toEqual({ v: "read before the change" });
    expect(await cache.get("k", async () => ({ v: "fresh" }))).toEqual({ v: "fresh" });
  });

  it("does not keep misses, freezes what it keeps, and holds at most its capacity", async () => {
    const cache = new VersionedCache<{ nested: { n: number } }>(() => 1, 2);
    expect(await cache.get("gone", async () => undefined)).toBeUndefined();
    expect(await cache.get("gone", async () => ({ nested: { n: 1 } }))).toEqual({
      nested: { n: 1 },
    });
    const kept = await cache.get("gone", async () => ({ nested: { n: 2 } }));
    expect(Object.isFrozen(kept?.nested)).toBe(true);
    await cache.get("b", async () => ({ nested: { n: 3 } }));
    await cache.get("c", async () => ({ nested: { n: 4 } }));
    // "gone" was the oldest of three entries in a cache of two.
    expect(await cache.get("gone", async () => ({ nested: { n: 5 } }))).toEqual({
      nested: { n: 5 },
    });
  });
});
