import { readFile } from "node:fs/promises";

/** Linux reports process CPU time in clock ticks of 1/USER_HZ s; USER_HZ is 100 on every arch. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time, in ms, a process has used so far — all its threads, so libuv's crypto pool counts
 * too. Unlike req/s it barely moves when other work shares the machine. `undefined` off Linux.
 */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name, which may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
  return ((userTicks + systemTicks) * 1000) / TICKS_PER_SECOND;
}
