/** The chaos run's checks fail on the evidence of a fault, and tolerate only what a kill explains. */
import { describe, expect, it } from "vitest";
import { oneFinalStatus } from "../../bench/chaos/action-checks.ts";
import { hooksRunOnce } from "../../bench/chaos/hook-checks.ts";
import type { HookRunsTable } from "../../bench/chaos/hook-journal.ts";
import type { Ending, Generation } from "../../bench/chaos/instances.ts";
import { noServerErrors } from "../../bench/chaos/process-checks.ts";
import type { ProxiedExchange } from "../../bench/chaos/round-robin-proxy.ts";
import { Lifetimes, type RunEvidence } from "../../bench/chaos/run-evidence.ts";
import type { VercelCall } from "../../bench/chaos/vercel-fronts.ts";
import type { DeploymentActionRecord } from "../../packages/partnerkit/src/emulator/vercel-api/store.ts";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** Instance 0 generation 1 (pid 100) and instance 1 generation 1 (pid 200), ended at 5 s as told. */
function generations(endingOf100?: Ending): Generation[] {
  return [
    {
      instance: 0,
      generation: 1,
      pid: 100,
      startedAt: T0,
      ...(endingOf100 && { ending: endingOf100, endedAt: T0 + 5_000 }),
    },
    { instance: 1, generation: 1, pid: 200, startedAt: T0 },
  ];
}

function evidence(parts: Partial<RunEvidence>): RunEvidence {
  return {
    generations: generations(),
    disruptions: [],
    workload: { deployments: [], rotations: 0, transfers: 0, failures: [] },
    deployments: [],
    actions: [],
    vercelCalls: [],
    partnerExchanges: [],
    proxied: [],
    stored: {
      jobs: { queued: 0, running: 0, succeeded: 0, dead: 0 },
      stuckJobs: [],
      queuedForLater: {},
      actionRuns: {},
      unfinishedRotations: 0,
      pendingIdempotencyKeys: 0,
      lockedInstallations: 0,
      deletedResources: new Set(),
      namespaces: new Set(),
      hookRuns: [],
    },
    probes: [],
    idle: true,
    shutdowns: [],
    ...parts,
  };
}

function hookRun(pid: number, startMs: number, finishMs: number | null): HookRunsTable {
  return {
    id: `run_${pid}_${startMs}`,
    hook: "action.start",
    key: "res_1/dpl_1",
    pid,
    started_at: at(startMs),
    finished_at: finishMs === null ? null : at(finishMs),
    outcome: finishMs === null ? null : "ok",
  };
}

function hookCheck(runs: HookRunsTable[], ending?: Ending) {
  const run = evidence({
    generations: generations(ending),
    stored: { ...evidence({}).stored, hookRuns: runs },
  });
  return hooksRunOnce(run, new Lifetimes(run.generations)).check;
}

describe("no provider hook ran twice for one event", () => {
  it("fails when a hook ran again although its first run's process lives on", () => {
    const check = hookCheck([hookRun(100, 1_000, 1_100), hookRun(200, 20_000, 20_100)]);
    expect(check.passed).toBe(false);
  });

  it("tolerates a run again after a kill -9 interrupted the first", () => {
    const check = hookCheck([hookRun(100, 1_000, null), hookRun(200, 20_000, 20_100)], "kill -9");
    expect(check.passed).toBe(true);
  });

  it("fails when a SIGTERM left a run unfinished and it ran again", () => {
    const check = hookCheck([hookRun(100, 1_000, null), hookRun(200, 20_000, 20_100)], "SIGTERM");
    expect(check.passed).toBe(false);
  });
});

const REPORT_PATH = "/v1/deployments/dpl_1/integrations/icfg_1/resources/res_1/actions/branch";

function action(statuses: ("succeeded" | "failed")[]): DeploymentActionRecord {
  return {
    deploymentId: "dpl_1",
    installationId: "icfg_1",
    resourceId: "res_1",
    action: "branch",
    status: statuses.at(-1),
    reports: statuses.map((status) => ({ status })),
    updatedAt: at(0),
  };
}

function report(instance: number, ms: number, status = 202): VercelCall {
  return {
    at: T0 + ms,
    instance,
    generation: 1,
    method: "PATCH",
    path: REPORT_PATH,
    status,
    held: false,
    reported: "succeeded",
  };
}

function reportCheck(parts: Partial<RunEvidence>, ending?: Ending) {
  const run = evidence({ generations: generations(ending), ...parts });
  return oneFinalStatus(run, new Lifetimes(run.generations)).check;
}

describe("one final status per action", () => {
  it("tolerates an identical re-send when the first sender was killed after sending", () => {
    const check = reportCheck(
      {
        actions: [action(["succeeded", "succeeded"])],
        vercelCalls: [report(0, 1_000), report(1, 20_000)],
      },
      "kill -9",
    );
    expect(check.passed).toBe(true);
  });

  it("fails on an identical re-send that no kill explains", () => {
    const check = reportCheck({
      actions: [action(["succeeded", "succeeded"])],
      vercelCalls: [report(0, 1_000), report(1, 20_000)],
    });
    expect(check.passed).toBe(false);
  });

  it("fails on a second, different status, and on a report Vercel refused", () => {
    expect(reportCheck({ actions: [action(["succeeded", "failed"])] }).passed).toBe(false);
    const refused = reportCheck({
      actions: [action(["succeeded"])],
      vercelCalls: [report(0, 1_000), report(1, 2_000, 409)],
    });
    expect(refused.passed).toBe(false);
  });
});

function exchange(outcome: ProxiedExchange["outcome"], answeredMs: number): ProxiedExchange {
  return {
    at: T0 + answeredMs - 10,
    answeredAt: T0 + answeredMs,
    method: "POST",
    path: "/webhooks",
    instance: 0,
    generation: 1,
    outcome,
  };
}

describe("no 5xx but a kill's cut connections", () => {
  const check = (proxied: ProxiedExchange[], ending?: Ending) => {
    const run = evidence({ generations: generations(ending), proxied });
    return noServerErrors(run, new Lifetimes(run.generations));
  };

  it("tolerates a connection cut when its instance was killed", () => {
    expect(check([exchange("cut", 5_050)], "kill -9").passed).toBe(true);
  });

  it("fails on a 500, and on a connection cut by a SIGTERM", () => {
    expect(check([exchange(500, 1_000)]).passed).toBe(false);
    expect(check([exchange("cut", 5_050)], "SIGTERM").passed).toBe(false);
  });
});
