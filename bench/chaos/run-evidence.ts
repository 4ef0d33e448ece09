import type { EmulatedDeployment } from "../../packages/partnerkit/src/emulator/deployments.ts";
import type { DeploymentActionRecord } from "../../packages/partnerkit/src/emulator/vercel-api/store.ts";
import type { ExitStatus } from "../../test/support/server-process.ts";
import type { Disruption } from "./chaos-monkey.ts";
import type { DataPlaneProbe } from "./data-plane-probe.ts";
import type { Generation } from "./instances.ts";
import type { PartnerExchange } from "./partner-link.ts";
import type { ProxiedExchange } from "./round-robin-proxy.ts";
import type { StoredState } from "./stored-state.ts";
import type { VercelCall } from "./vercel-fronts.ts";
import type { WorkloadRecord } from "./workload.ts";

/** Everything a run observed, from every side: what the checks and the summary read. */
export interface RunEvidence {
  generations: Generation[];
  disruptions: Disruption[];
  workload: WorkloadRecord;
  /** Vercel's side: deployments with their actions, and the reports it accepted. */
  deployments: EmulatedDeployment[];
  actions: DeploymentActionRecord[];
  vercelCalls: VercelCall[];
  partnerExchanges: PartnerExchange[];
  proxied: ProxiedExchange[];
  stored: StoredState;
  probes: DataPlaneProbe[];
  /** Whether the queue drained after the workload. */
  idle: boolean;
  /** How each instance ended at the end of the run (SIGTERM). */
  shutdowns: ExitStatus[];
}

/** The processes of a run by pid, to tell how the one that did something ended. */
export class Lifetimes {
  private readonly byPid = new Map<number, Generation>();
  private readonly byInstance = new Map<string, Generation>();

  constructor(generations: Generation[]) {
    for (const generation of generations) {
      this.byPid.set(generation.pid, generation);
      this.byInstance.set(`${generation.instance}.${generation.generation}`, generation);
    }
  }

  ofPid(pid: number): Generation | undefined {
    return this.byPid.get(pid);
  }

  of(instance: number, generation: number): Generation | undefined {
    return this.byInstance.get(`${instance}.${generation}`);
  }

  /** Whether the process was `kill -9`ed at or after `at` (epoch ms). */
  killedAfter(generation: Generation | undefined, at: number): generation is Generation {
    return generation?.ending === "kill -9" && (generation.endedAt ?? 0) >= at;
  }
}
