import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { formatMs } from "../lib/format.ts";
import { LatencyRecorder, type LatencySummary } from "../lib/latency.ts";
import { processCpuMs } from "../lib/process-cpu.ts";
import { progress } from "../lib/progress.ts";
import type { PartnerkitEnvironment } from "../servers/environment.ts";
import { type JobCounts, JobQueueProbe } from "../servers/job-queue.ts";
import { databaseFile } from "../servers/partnerkit.ts";
import type { SeededResource } from "../servers/seed.ts";
import { postDelivery, signDelivery } from "../servers/webhook-delivery.ts";
import { type ReportLog, reportedSuccess } from "./report-log.ts";
import type { EmulatedVercelApi } from "./vercel-api.ts";

/** The Acme KV deployment action: branches the resource's data (none here) for a deployment. */
export const ACTION = "branch";

/** What a turnaround benchmark starts per deployment, and where the reports of that work arrive. */
export interface Workload {
  /** Names the measurement in progress lines and failures, e.g. "action turnaround". */
  title: string;
  /** The webhook that starts the work on the seeded resource for a deployment. */
  webhook(
    seeded: SeededResource,
    deploymentId: string,
  ): { type: string; payload: Record<string, unknown> };
  reports(vercel: EmulatedVercelApi): ReportLog;
}

/** A deployment action start per deployment, reported `succeeded` or `failed`. */
export const ACTION_WORKLOAD: Workload = {
  title: "action turnaround",
  webhook: ({ installationId, resourceId }, deploymentId) => ({
    type: "deployment.integration.action.start",
    payload: {
      configuration: { id: installationId },
      installationId,
      resourceId,
      action: ACTION,
      deployment: { id: deploymentId },
    },
  }),
  reports: (vercel) => vercel.actions,
};

export interface PhasePlan {
  name: string;
  /** Deployments whose work (an action, a check run) is started. */
  actions: number;
  /** Work in flight at once: each lane sends its next webhook once its last work reported. */
  concurrency: number;
}

export const WARMUP: PhasePlan = { name: "warm-up", actions: 50, concurrency: 4 };
export const MEASURED: PhasePlan[] = [
  { name: "sequential", actions: 250, concurrency: 1 },
  { name: "4 at a time", actions: 250, concurrency: 4 },
];

/** How long one action or check may take to report before the bench stops waiting for it. */
const REPORT_TIMEOUT_MS = 30_000;
/** After the last phase: time for late or repeated reports to arrive before they are counted. */
export const SETTLE_MS = 2_000;

/** Distinguishes this process's deployment and event ids from any other run's. */
const RUN = randomBytes(4).toString("hex");

interface Sample {
  deploymentId: string;
  sentAt: number;
  /** When the webhook's answer had arrived, and its status. */
  answeredAt: number;
  answerStatus: number;
}

export interface PhaseResult extends PhasePlan {
  samples: Sample[];
  elapsedMs: number;
  /** Webhook sent → final PATCH received, for the actions that reported. */
  turnaround: LatencySummary;
  /** Where the time went: webhook sent → its answer, → `GET /v13/deployments/:id`, → final PATCH. */
  answered: LatencySummary;
  toLookup: LatencySummary;
  lookupToReport: LatencySummary;
  /** Exactly one final PATCH per deployment is right; these are the exceptions. */
  lost: number;
  doubled: number;
  succeeded: number;
  failed: number;
  /** `running` reports: sent only when an action outlives `runningAfterMs` (1 s by default). */
  running: number;
  /** Final PATCHes not sent with the installation's access token as Bearer. */
  wrongToken: number;
  /** Webhooks not answered 200. */
  rejectedWebhooks: number;
  serverCpuMsPerAction?: number;
}

export interface Measurement {
  title: string;
  warmup: PhaseResult;
  phases: PhaseResult[];
  /** Reports for deployments the bench never sent, and requests to endpoints not emulated. */
  strayReports: number;
  unexpectedRequests: readonly string[];
  /** The server's job queue once everything settled. */
  jobs: JobCounts;
  /** Lines the server logged (at `LOG_LEVEL=warn`) from the warm-up on, and the last of them. */
  serverLogLines: number;
  lastServerLogLine?: string;
}

/**
 * Sends the workload's start webhooks for distinct deployments and times each from just before
 * the webhook is sent to the arrival of its final status PATCH at the emulated Vercel API; then
 * counts the final PATCHes of every deployment.
 */
export async function measure(
  env: PartnerkitEnvironment,
  vercel: EmulatedVercelApi,
  workload: Workload,
): Promise<Measurement> {
  const reports = workload.reports(vercel);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const logLinesBefore = env.ours.outputLines;
  try {
    const runs = [WARMUP, ...MEASURED].map((plan) => ({ plan, samples: [] as Sample[] }));
    const timings: { elapsedMs: number; cpuMs?: number }[] = [];
    for (const run of runs) {
      progress(
        `${workload.title}, ${run.plan.name}: ${run.plan.actions} deployments, ` +
          `${run.plan.concurrency} at a time…`,
      );
      const cpuBefore = await processCpuMs(env.ours.pid);
      const started = performance.now();
      await runPhase(env, workload, reports, agent, run.plan, run.samples);
      const elapsedMs = performance.now() - started;
      const cpuAfter = await processCpuMs(env.ours.pid);
      timings.push({
        elapsedMs,
        ...(cpuBefore !== undefined && cpuAfter !== undefined && { cpuMs: cpuAfter - cpuBefore }),
      });
    }
    await sleep(SETTLE_MS);
    const results = runs.map((run, index) =>
      summarise(run.plan, run.samples, reports, vercel, env.seeded.accessToken, timings[index]),
    );
    for (const result of results.slice(1)) {
      progress(
        `${workload.title}, ${result.name}: p50 ${formatMs(result.turnaround.p50)} ms, p99 ` +
          `${formatMs(result.turnaround.p99)} ms, ${result.lost} lost, ${result.doubled} doubled`,
      );
    }
    const sent = new Set(runs.flatMap((run) => run.samples.map((sample) => sample.deploymentId)));
    let strayReports = 0;
    for (const id of reports.deployments())
      if (!sent.has(id)) strayReports += reports.of(id).length;
    const queue = JobQueueProbe.sqlite(databaseFile(env.dataDir));
    const jobs = await queue.counts();
    await queue.close();
    const [warmup, ...phases] = results as [PhaseResult, ...PhaseResult[]];
    const serverLogLines = env.ours.outputLines - logLinesBefore;
    const lastServerLogLine = env.ours.outputTail().trimEnd().split("\n").pop();
    return {
      title: workload.title,
      warmup,
      phases,
      strayReports,
      unexpectedRequests: vercel.unexpected,
      jobs,
      serverLogLines,
      ...(serverLogLines > 0 && lastServerLogLine && { lastServerLogLine }),
    };
  } finally {
    agent.destroy();
  }
}

/** Lost, doubled, failed or mis-authenticated reports, rejected webhooks, stray calls, dead jobs. */
export function measurementFailures(measurement: Measurement): string[] {
  const failures: string[] = [];
  for (const phase of [measurement.warmup, ...measurement.phases]) {
    const problems = [
      phase.lost && `${phase.lost} lost (no final status)`,
      phase.doubled && `${phase.doubled} with more than one final status`,
      phase.failed && `${phase.failed} reported failed`,
      phase.wrongToken && `${phase.wrongToken} reported without the installation's token`,
      phase.rejectedWebhooks && `${phase.rejectedWebhooks} webhooks not answered 200`,
    ].filter((problem): problem is string => typeof problem === "string");
    if (problems.length > 0)
      failures.push(`${measurement.title}, ${phase.name}: ${problems.join(", ")}`);
  }
  if (measurement.strayReports > 0)
    failures.push(
      `${measurement.title}: ${measurement.strayReports} reports for unknown deployments`,
    );
  if (measurement.unexpectedRequests.length > 0) {
    const sample = measurement.unexpectedRequests.slice(0, 3).join("; ");
    failures.push(
      `${measurement.title}: ${measurement.unexpectedRequests.length} unexpected calls to the ` +
        `Vercel API (${sample})`,
    );
  }
  if (measurement.jobs.dead > 0)
    failures.push(`${measurement.title}: ${measurement.jobs.dead} dead jobs`);
  return failures;
}

async function runPhase(
  env: PartnerkitEnvironment,
  workload: Workload,
  reports: ReportLog,
  agent: Agent,
  plan: PhasePlan,
  samples: Sample[],
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < plan.actions) {
      const index = next++;
      const deploymentId = `dpl_${RUN}_${plan.name.replace(/\W+/g, "_")}_${index}`;
      const delivery = signDelivery({
        id: `evt_${RUN}_${deploymentId}`,
        createdAt: Date.now(),
        ...workload.webhook(env.seeded, deploymentId),
      });
      const reported = reports.waitForFinal(deploymentId, REPORT_TIMEOUT_MS);
      const sentAt = performance.now();
      const answerStatus = await postDelivery(env.ours.url, delivery, agent);
      const answeredAt = performance.now();
      samples.push({ deploymentId, sentAt, answeredAt, answerStatus });
      if (answerStatus === 200) await reported;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, lane));
}

function summarise(
  plan: PhasePlan,
  samples: Sample[],
  log: ReportLog,
  vercel: EmulatedVercelApi,
  accessToken: string,
  timing: { elapsedMs: number; cpuMs?: number } | undefined,
): PhaseResult {
  const turnaround = new LatencyRecorder();
  const answered = new LatencyRecorder();
  const toLookup = new LatencyRecorder();
  const lookupToReport = new LatencyRecorder();
  const counts = { lost: 0, doubled: 0, succeeded: 0, failed: 0, running: 0, wrongToken: 0 };
  let rejectedWebhooks = 0;
  for (const sample of samples) {
    answered.record(sample.answeredAt - sample.sentAt);
    if (sample.answerStatus !== 200) rejectedWebhooks += 1;
    const reports = log.of(sample.deploymentId);
    const finals = reports.filter(log.isFinal);
    counts.running += reports.filter((report) => report.status === "running").length;
    const [first] = finals;
    if (!first) {
      counts.lost += 1;
      continue;
    }
    if (finals.length > 1) counts.doubled += 1;
    if (reportedSuccess(first)) counts.succeeded += 1;
    else counts.failed += 1;
    counts.wrongToken += finals.filter((r) => r.authorization !== `Bearer ${accessToken}`).length;
    turnaround.record(first.at - sample.sentAt);
    const [lookupAt] = vercel.lookups(sample.deploymentId);
    if (lookupAt !== undefined) {
      toLookup.record(lookupAt - sample.sentAt);
      lookupToReport.record(first.at - lookupAt);
    }
  }
  return {
    ...plan,
    samples,
    elapsedMs: timing?.elapsedMs ?? 0,
    turnaround: turnaround.summary(),
    answered: answered.summary(),
    toLookup: toLookup.summary(),
    lookupToReport: lookupToReport.summary(),
    ...counts,
    rejectedWebhooks,
    ...(timing?.cpuMs !== undefined &&
      samples.length > 0 && { serverCpuMsPerAction: timing.cpuMs / samples.length }),
  };
}
