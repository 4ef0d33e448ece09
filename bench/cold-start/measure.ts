import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BenchError } from "../lib/errors.ts";
import { formatMs } from "../lib/format.ts";
import { processCpuMs } from "../lib/process-cpu.ts";
import { progress } from "../lib/progress.ts";
import type { BenchOptions } from "../options.ts";
import { type ImportBreakdown, measureImports } from "./imports.ts";
import { formatMb, processMemory } from "./rss.ts";
import { type ServerKind, type SpawnedServer, type StartTimes, spawnServer } from "./server.ts";
import { type Spread, spread } from "./spread.ts";

/** How long the server sits idle after `/readyz` before its idle RSS is read. */
export const IDLE_SECONDS = 3;
/** Fresh processes timing the `start` path's imports. */
const IMPORT_RUNS = 5;

/**
 * `fresh` and `migrated`: the built server (`npm start`) on an empty and on an already migrated
 * database; `cli`: `partnerkit start` on the compiled example, not bundled, migrated database.
 */
export type SeriesName = "fresh" | "migrated" | "cli";

export interface StartRun extends StartTimes {
  /** CPU time of the server process (all threads) when `/readyz` first answered 200. */
  cpuMsAtReady: number;
  /** RSS when `/readyz` first answered 200, in bytes. */
  rssAtReady: number;
  /** RSS after `IDLE_SECONDS` idle past ready; measured on the migrated database only. */
  idleRss?: number;
}

export interface StartSeries {
  name: SeriesName;
  runs: StartRun[];
  healthz: Spread;
  readyz: Spread;
  cpuMsAtReady: Spread;
  rssAtReady: Spread;
  idleRss?: Spread;
}

export interface Measurement {
  fresh: StartSeries;
  migrated: StartSeries;
  cli: StartSeries;
  imports: ImportBreakdown;
}

/**
 * One unreported start that migrates the database the "migrated" runs reuse (and warms the file
 * cache), then, in turns so that whatever else the machine does falls on all alike, `runs`
 * starts of the built server on a fresh database, `runs` on the migrated one, and `runs` of
 * `partnerkit start` (not bundled) on the migrated one. After each start of the built server on
 * the migrated database it sits idle for `IDLE_SECONDS` before its RSS is read.
 */
export async function measure(options: BenchOptions): Promise<Measurement> {
  const scratch = await mkdtemp(join(tmpdir(), "partnerkit-cold-start-"));
  try {
    const migratedDir = join(scratch, "migrated");
    await mkdir(migratedDir);
    progress("cold start: warm-up start, migrating the database the later runs reuse…");
    const warmup = await spawnServer({ dataDir: migratedDir, server: "built" });
    await warmup.stop();
    progress(`cold start: warm-up ready in ${formatMs(warmup.times.readyzMs)} ms`);

    const fresh: StartRun[] = [];
    const migrated: StartRun[] = [];
    const cli: StartRun[] = [];
    for (let run = 1; run <= options.coldStartRuns; run++) {
      const freshDir = join(scratch, `fresh-${run}`);
      await mkdir(freshDir);
      fresh.push(await startOnce(freshDir, "fresh", run, false));
      await rm(freshDir, { recursive: true, force: true });
      migrated.push(await startOnce(migratedDir, "migrated", run, true));
      cli.push(await startOnce(migratedDir, "cli", run, false));
    }
    const imports = await measureImportsWithProgress();
    return {
      fresh: series("fresh", fresh),
      migrated: series("migrated", migrated),
      cli: series("cli", cli),
      imports,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  async function startOnce(
    dataDir: string,
    name: SeriesName,
    run: number,
    idle: boolean,
  ): Promise<StartRun> {
    const profileDir = options.profileDir && join(options.profileDir, name);
    const server = await spawnServer({
      dataDir,
      server: SERVERS[name],
      ...(profileDir && { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] }),
    });
    try {
      const cpuMsAtReady = (await processCpuMs(server.pid)) ?? 0;
      const rssAtReady = await rssOf(server);
      let idleRss: number | undefined;
      if (idle) {
        await sleep(IDLE_SECONDS * 1000);
        idleRss = await rssOf(server);
      }
      const result: StartRun = {
        ...server.times,
        cpuMsAtReady,
        rssAtReady,
        ...(idleRss !== undefined && { idleRss }),
      };
      progress(
        `cold start ${run}/${options.coldStartRuns}, ${name}: /healthz ` +
          `${formatMs(result.healthzMs)} ms, /readyz ${formatMs(result.readyzMs)} ms ` +
          `(${result.cpuMsAtReady} CPU ms), RSS ${formatMb(rssAtReady)} MB at ready` +
          (idleRss !== undefined ? `, ${formatMb(idleRss)} MB after ${IDLE_SECONDS} s idle` : ""),
      );
      return result;
    } finally {
      await server.stop();
    }
  }
}

async function rssOf(server: SpawnedServer): Promise<number> {
  const memory = await processMemory(server.pid);
  if (!memory) throw new BenchError(`cannot read /proc/${server.pid}/status (Linux only)`);
  return memory.rss;
}

async function measureImportsWithProgress(): Promise<ImportBreakdown> {
  progress(`cold start: timing the start path's imports in ${IMPORT_RUNS} fresh processes…`);
  const imports = await measureImports(IMPORT_RUNS);
  progress(`cold start: imports on the start path ${formatMs(imports.total.median)} ms (median)`);
  return imports;
}

const SERVERS: Record<SeriesName, ServerKind> = { fresh: "built", migrated: "built", cli: "cli" };

function series(name: SeriesName, runs: StartRun[]): StartSeries {
  const idle = runs.flatMap((run) => (run.idleRss === undefined ? [] : [run.idleRss]));
  return {
    name,
    runs,
    healthz: spread(runs.map((run) => run.healthzMs)),
    readyz: spread(runs.map((run) => run.readyzMs)),
    cpuMsAtReady: spread(runs.map((run) => run.cpuMsAtReady)),
    rssAtReady: spread(runs.map((run) => run.rssAtReady)),
    ...(idle.length > 0 && { idleRss: spread(idle) }),
  };
}
