import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ChaosMonkey, type ChaosPlan } from "./chaos-monkey.ts";
import { probeDataPlane } from "./data-plane-probe.ts";
import { Progress } from "./progress.ts";
import { Random } from "./random.ts";
import { type ChaosReport, reportRun } from "./report.ts";
import type { RunEvidence } from "./run-evidence.ts";
import { readStoredState, runningHookPid, waitUntilIdle } from "./stored-state.ts";
import { buildTopology, type TopologyOptions } from "./topology.ts";
import { Workload, type WorkloadPlan } from "./workload.ts";

export interface ChaosOptions extends TopologyOptions, WorkloadPlan, ChaosPlan {
  seed: number;
  /** Progress lines, as the run goes. */
  log(line: string): void;
}

/** After the workload, what the kills left behind is taken over once leases run out. */
const IDLE_TIMEOUT_MS = 120_000;

/**
 * One chaos run: the emulator as Vercel, several `partnerkit start` processes of Acme KV (its
 * hooks journaled) on one PostgreSQL schema behind a round-robin proxy; Vercel's workload
 * against them while instances are killed and rolled; then the evidence of every side, checked.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
  const random = new Random(options.seed);
  const topology = await buildTopology(options, random);
  const { emulator, link, fronts, instances, proxy, db } = topology;
  try {
    await Promise.all(instances.map((instance) => instance.start()));
    options.log(`${instances.length} instances up (${elapsed()})`);
    const progress = new Progress(options.deployments);
    const workload = new Workload(emulator, options, progress);
    await workload.setUp();
    options.log(`installations and resources set up (${elapsed()})`);
    const monkey = new ChaosMonkey(
      {
        instances,
        fronts,
        proxy,
        progress,
        random,
        runningHook: (hook) => runningHookPid(db, hook),
        lead: 2 * options.concurrency,
      },
      options,
    );
    const reporter = setInterval(
      () =>
        options.log(`${Math.round(progress.fraction * 100)} % of deployments done (${elapsed()})`),
      10_000,
    );
    const [record, disruptions] = await Promise.all([workload.run(), monkey.run()]).finally(() =>
      clearInterval(reporter),
    );
    for (const disruption of disruptions)
      options.log(
        `${disruption.kind} of instance ${disruption.instance}.${disruption.generation} during ` +
          `${disruption.during}: ${disruption.inFlight} in flight`,
      );
    options.log(`workload done (${elapsed()}); waiting for the queue to drain`);

    const idle = await waitUntilIdle(db, IDLE_TIMEOUT_MS);
    const probes = await probeDataPlane(emulator.state);
    const stored = await readStoredState(db);
    const shutdowns = await Promise.all(instances.map((instance) => instance.terminate()));
    const evidence: RunEvidence = {
      generations: instances.flatMap((instance) => instance.generations),
      disruptions,
      workload: record,
      deployments: emulator.deployments.list(),
      actions: emulator.vercelApi.store.listActions(),
      vercelCalls: fronts.calls,
      partnerExchanges: link.exchanges,
      proxied: proxy.exchanges,
      stored,
      probes,
      idle,
      shutdowns,
    };
    await keepEvidence(evidence, options.logDirectory);
    return reportRun(evidence, Date.now() - began);
  } finally {
    await topology.close();
  }
}

/** Everything the run observed, beside the servers' logs, for the post-mortem of a failed check. */
async function keepEvidence(evidence: RunEvidence, directory: string): Promise<void> {
  const sets = (_key: string, value: unknown) => (value instanceof Set ? [...value] : value);
  await writeFile(join(directory, "evidence.json"), JSON.stringify(evidence, sets, 1));
}
