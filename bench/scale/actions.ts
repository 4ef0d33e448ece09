import { randomBytes, randomInt } from "node:crypto";
import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ACTION, SETTLE_MS } from "../action-turnaround/measure.ts";
import { formatMs } from "../lib/format.ts";
import { LatencyRecorder, type LatencySummary } from "../lib/latency.ts";
import { processCpuMs } from "../lib/process-cpu.ts";
import { progress } from "../lib/progress.ts";
import { backendCpuBetween, backendCpuMs } from "../servers/postgres.ts";
import { postDelivery, signDelivery } from "../servers/webhook-delivery.ts";
import type { ScaleEnvironment } from "./environment.ts";

export interface ActionPhase {
  name: string;
  actions: number;
  /** Actions in flight at once: each lane sends its next webhook once its last action reported. */
  concurrency: number;
}

const WARMUP: ActionPhase = { name: "warm-up", actions: 40, concurrency: 4 };
export const ACTION_PHASES: readonly ActionPhase[] = [
  { name: "sequential", actions: 200, concurrency: 1 },
  { name: "4 at a time", actions: 200, concurrency: 4 },
];
const REPORT_TIMEOUT_MS = 30_000;
/** Distinguishes this run's deployments and deliveries from earlier runs' on the kept database. */
const RUN = randomBytes(4).toString("hex");

interface Sent {
  deploymentId: string;
  /** The installation's number: its access token is what the reports must carry. */
  installation: number;
  sentAt: number;
  answeredAt: number;
  answerStatus: number;
}

export interface ActionResult extends ActionPhase {
  /** Webhook sent → its answer (stored, job enqueued). */
  answered: LatencySummary;
  /** Webhook sent → the action's first call to Vercel (`GET /v13/deployments/:id`). */
  firstCall: LatencySummary;
  /** Webhook sent → the final status PATCH. */
  final: LatencySummary;
  lost: number;
  doubled: number;
  failed: number;
  /** Final reports not sent with the installation's own access token. */
  wrongToken: number;
  rejectedWebhooks: number;
  serverCpuMsPerAction?: number;
  databaseCpuMsPerAction?: number;
}

/**
 * Signed `deployment.integration.action.start` webhooks for random resources of the whole data
 * set, each timed to the first Vercel call it causes and to its final status at the emulated
 * Vercel API; then checks every deployment got exactly one final status, sent with its own
 * installation's access token (which also proves the copied credentials open).
 */
export async function measureActions(env: ScaleEnvironment): Promise<ActionResult[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  try {
    await runPhase(env, agent, WARMUP);
    const runs: { phase: ActionPhase; sent: Sent[]; cpu: Cpu }[] = [];
    for (const phase of ACTION_PHASES) {
      progress(`action start: ${phase.name}, ${phase.actions} actions…`);
      const before = await cpuNow(env);
      const sent = await runPhase(env, agent, phase);
      runs.push({ phase, sent, cpu: cpuSince(before, await cpuNow(env)) });
    }
    await sleep(SETTLE_MS);
    return runs.map(({ phase, sent, cpu }) => {
      const result = summarise(env, phase, sent, cpu);
      progress(
        `action start, ${phase.name}: first Vercel call p50 ${formatMs(result.firstCall.p50)} ms, ` +
          `final status p50 ${formatMs(result.final.p50)} ms, ${result.lost} lost`,
      );
      return result;
    });
  } finally {
    agent.destroy();
  }
}

/** Problems that fail the bench: lost, doubled, failed or mis-authenticated actions. */
export function actionFailures(results: readonly ActionResult[]): string[] {
  return results.flatMap((result) => {
    const problems = [
      result.lost && `${result.lost} lost (no final status)`,
      result.doubled && `${result.doubled} with more than one final status`,
      result.failed && `${result.failed} reported failed`,
      result.wrongToken && `${result.wrongToken} reported without their installation's token`,
      result.rejectedWebhooks && `${result.rejectedWebhooks} webhooks not answered 200`,
    ].filter((problem): problem is string => typeof problem === "string");
    return problems.length > 0
      ? [`scale, action start ${result.name}: ${problems.join(", ")}`]
      : [];
  });
}

async function runPhase(env: ScaleEnvironment, agent: Agent, phase: ActionPhase): Promise<Sent[]> {
  const { ids, installations, resourcesPerInstallation } = env.dataset;
  const sent: Sent[] = [];
  let next = 0;
  const lane = async () => {
    while (next < phase.actions) {
      const index = next++;
      const n = randomInt(installations);
      const installationId = ids.installation(n);
      const deploymentId = `dpl_scale_${RUN}_${phase.name.replace(/\W+/g, "_")}_${index}`;
      const delivery = signDelivery({
        id: `evt_${deploymentId}`,
        type: "deployment.integration.action.start",
        createdAt: Date.now(),
        payload: {
          configuration: { id: installationId },
          installationId,
          resourceId: ids.resource(n, randomInt(resourcesPerInstallation)),
          action: ACTION,
          deployment: { id: deploymentId },
        },
      });
      const reported = env.vercel.actions.waitForFinal(deploymentId, REPORT_TIMEOUT_MS);
      const sentAt = performance.now();
      const answerStatus = await postDelivery(env.ours.url, delivery, agent);
      const answeredAt = performance.now();
      sent.push({ deploymentId, installation: n, sentAt, answeredAt, answerStatus });
      if (answerStatus === 200) await reported;
    }
  };
  await Promise.all(Array.from({ length: phase.concurrency }, lane));
  return sent;
}

interface Cpu {
  serverMs?: number;
  databaseMs: number;
}

async function cpuNow(env: ScaleEnvironment) {
  return {
    server: await processCpuMs(env.ours.pid),
    database: await backendCpuMs(env.dataset.databaseUrl),
  };
}

function cpuSince(
  before: Awaited<ReturnType<typeof cpuNow>>,
  after: Awaited<ReturnType<typeof cpuNow>>,
): Cpu {
  return {
    ...(before.server !== undefined &&
      after.server !== undefined && { serverMs: after.server - before.server }),
    databaseMs: backendCpuBetween(before.database, after.database),
  };
}

function summarise(
  env: ScaleEnvironment,
  phase: ActionPhase,
  sent: Sent[],
  cpu: Cpu,
): ActionResult {
  const answered = new LatencyRecorder();
  const firstCall = new LatencyRecorder();
  const final = new LatencyRecorder();
  const counts = { lost: 0, doubled: 0, failed: 0, wrongToken: 0, rejectedWebhooks: 0 };
  for (const action of sent) {
    answered.record(action.answeredAt - action.sentAt);
    if (action.answerStatus !== 200) counts.rejectedWebhooks += 1;
    const finals = env.vercel.actions.of(action.deploymentId).filter(env.vercel.actions.isFinal);
    const [first] = finals;
    if (!first) {
      counts.lost += 1;
      continue;
    }
    if (finals.length > 1) counts.doubled += 1;
    if (first.status !== "succeeded") counts.failed += 1;
    const token = `Bearer ${env.dataset.ids.accessToken(action.installation)}`;
    counts.wrongToken += finals.filter((report) => report.authorization !== token).length;
    final.record(first.at - action.sentAt);
    const [lookupAt] = env.vercel.lookups(action.deploymentId);
    if (lookupAt !== undefined) firstCall.record(lookupAt - action.sentAt);
  }
  return {
    ...phase,
    answered: answered.summary(),
    firstCall: firstCall.summary(),
    final: final.summary(),
    ...counts,
    ...(cpu.serverMs !== undefined && { serverCpuMsPerAction: cpu.serverMs / sent.length }),
    databaseCpuMsPerAction: cpu.databaseMs / sent.length,
  };
}
