import { readFile } from "node:fs/promises";

/** A process's memory as Linux reports it in `/proc/<pid>/status`, in bytes. */
export interface ProcessMemory {
  /** `VmRSS`: resident set size now. */
  rss: number;
  /** `VmHWM`: the highest RSS the process has had since it started ("high-water mark"). */
  peakRss: number;
}

/** The memory of process `pid`, or `undefined` off Linux or once it has exited. */
export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const rss = statusKiB(status, "VmRSS");
  const peakRss = statusKiB(status, "VmHWM");
  if (rss === undefined || peakRss === undefined) return undefined;
  return { rss: rss * 1024, peakRss: peakRss * 1024 };
}

function statusKiB(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  return match ? Number(match[1]) : undefined;
}

/** Memory is reported, and the targets set, in MB of 2^20 bytes (what `ps` and `top` call MiB). */
export const MB = 2 ** 20;

export function formatMb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/**
 * Samples a process's RSS every `intervalMs` while it is running, e.g. during load on a server;
 * `stop()` ends the sampling and returns what was seen.
 */
export class RssSampler {
  readonly #samples: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 100,
  ) {}

  /** Samples once now, then every `intervalMs` until `stop()`; starting twice is a no-op. */
  start(): void {
    if (this.#timer) return;
    const sample = () => {
      this.#pending = this.#pending.then(async () => {
        const memory = await processMemory(this.pid);
        if (memory) this.#samples.push(memory.rss);
      });
    };
    sample();
    this.#timer = setInterval(sample, this.intervalMs);
  }

  /** Stops sampling (after one last sample) until the next `start()`. */
  async stop(): Promise<void> {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const memory = await processMemory(this.pid);
    await this.#pending;
    if (memory) this.#samples.push(memory.rss);
  }

  /** Every sample taken so far, over all start/stop periods. */
  get samples(): readonly number[] {
    return this.#samples;
  }
}
