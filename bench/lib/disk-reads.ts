import { readFile } from "node:fs/promises";

/**
 * KiB the kernel has read from block devices since boot, for the whole machine (`pgpgin` in
 * /proc/vmstat); `undefined` off Linux. Across a load on a database server of the same machine,
 * its growth is the data that was neither in PostgreSQL's buffers nor in the page cache.
 */
export async function diskReadKib(): Promise<number | undefined> {
  let vmstat: string;
  try {
    vmstat = await readFile("/proc/vmstat", "utf8");
  } catch {
    return undefined;
  }
  const match = /^pgpgin (\d+)$/m.exec(vmstat);
  return match ? Number(match[1]) : undefined;
}

/** Measures MiB/s read from disk while `work` runs; `undefined` where it cannot be read. */
export async function withDiskReads<T>(
  work: () => Promise<T>,
): Promise<{ result: T; diskMibPerSecond?: number }> {
  const before = await diskReadKib();
  const started = performance.now();
  const result = await work();
  const after = await diskReadKib();
  const seconds = (performance.now() - started) / 1000;
  if (before === undefined || after === undefined || seconds <= 0) return { result };
  return { result, diskMibPerSecond: (after - before) / 1024 / seconds };
}
