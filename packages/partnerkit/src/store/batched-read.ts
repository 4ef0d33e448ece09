/**
 * Point reads requested together are made as one read of all their keys: a claim starts its
 * jobs at once, and each reads its delivery, then its installation, at the same step. On
 * PostgreSQL that is one round trip for the batch instead of one per job. A batch is what was
 * requested before the queued promise callbacks ran out, so a read never waits for I/O or a
 * timer to be joined, and is never answered from an earlier read.
 */
export function batchedRead<Key, Value>(
  readMany: (keys: Key[]) => Promise<Map<Key, Value>>,
): (key: Key) => Promise<Value | undefined> {
  let batch: { keys: Set<Key>; result: Promise<Map<Key, Value>> } | undefined;
  return async (key) => {
    if (!batch) {
      const keys = new Set<Key>();
      // Read once the callbacks queued now (the other jobs' same step) have asked too.
      const result = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
        batch = undefined;
        return readMany([...keys]);
      });
      batch = { keys, result };
    }
    batch.keys.add(key);
    return (await batch.result).get(key);
  };
}
