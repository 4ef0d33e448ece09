import { type CheckResult, verdict } from "./check.ts";
import type { Lifetimes, RunEvidence } from "./run-evidence.ts";
import { isActionReport, type VercelCall } from "./vercel-fronts.ts";

const ACTION_PATH =
  /^\/v1\/deployments\/([^/]+)\/integrations\/[^/]+\/resources\/([^/]+)\/actions\/([^/]+)$/;

const actionKey = (deploymentId: string, resourceId: string, action: string) =>
  `${deploymentId}/${resourceId}/${action}`;

function reportKey(call: VercelCall): string | undefined {
  const [, deploymentId, resourceId, action] = ACTION_PATH.exec(call.path) ?? [];
  if (!deploymentId || !resourceId || !action) return undefined;
  return actionKey(deploymentId, decodeURIComponent(resourceId), decodeURIComponent(action));
}

const isFinalStatus = (status: string | undefined) => status !== undefined && status !== "running";

/** The figures of action reports the summary shows beside the check. */
export interface ReportFigures {
  actions: number;
  finalReports: number;
  /** Identical copies of a final report Vercel already had, sent again after a `kill -9`. */
  resentAfterKill: number;
  /** Final reports Vercel refused because it had canceled the action meanwhile. */
  refusedAfterCancel: number;
}

/**
 * Every action got exactly one final status. Vercel keeps each report it accepts; a second
 * copy is tolerated only when identical and when the instance that sent the copy before it was
 * `kill -9`ed after sending it, before it could record that Vercel had it. A report Vercel
 * refused (409) is a second, different status: tolerated only when Vercel had canceled the
 * action meanwhile.
 */
export function oneFinalStatus(
  evidence: RunEvidence,
  lifetimes: Lifetimes,
): { check: CheckResult; figures: ReportFigures } {
  const problems: string[] = [];
  const figures: ReportFigures = {
    actions: evidence.actions.length,
    finalReports: 0,
    resentAfterKill: 0,
    refusedAfterCancel: 0,
  };
  const finalCalls = new Map<string, VercelCall[]>();
  for (const call of evidence.vercelCalls.filter(isActionReport)) {
    const key = reportKey(call);
    if (key && isFinalStatus(call.reported))
      finalCalls.set(key, [...(finalCalls.get(key) ?? []), call]);
  }
  const canceled = new Set<string>();
  for (const record of evidence.actions) {
    const key = actionKey(record.deploymentId, record.resourceId, record.action);
    if (record.status === "canceled") canceled.add(key);
    const finals = record.reports.filter((report) => isFinalStatus(report.status));
    figures.finalReports += finals.length;
    if (finals.length === 0) {
      if (record.status !== "canceled") problems.push(`${key}: no final status`);
      continue;
    }
    if (new Set(finals.map((report) => JSON.stringify(report))).size > 1) {
      problems.push(`${key}: final reports differ (${finals.map((r) => r.status).join(", ")})`);
      continue;
    }
    const accepted = (finalCalls.get(key) ?? []).filter((call) => call.status === 202);
    for (let copy = 1; copy < finals.length; copy++) {
      const earlier = accepted[copy - 1];
      const sender = earlier && lifetimes.of(earlier.instance, earlier.generation);
      if (earlier && lifetimes.killedAfter(sender, earlier.at)) figures.resentAfterKill++;
      else problems.push(`${key}: final status sent ${finals.length} times without a kill -9`);
    }
  }
  for (const [key, calls] of finalCalls) {
    for (const refused of calls.filter((call) => call.status === 409)) {
      if (canceled.has(key)) figures.refusedAfterCancel++;
      else problems.push(`${key}: Vercel refused a ${refused.reported} report`);
    }
  }
  return {
    check: verdict(
      "one final status per action",
      `${figures.finalReports} final reports for ${figures.actions} actions; tolerated: ` +
        `${figures.resentAfterKill} identical re-sends after kill -9, ` +
        `${figures.refusedAfterCancel} reports refused after Vercel's cancel`,
      problems,
    ),
    figures,
  };
}

/** Every deployment that was not canceled went ready: each of its actions succeeded. */
export function deploymentsReady(evidence: RunEvidence): CheckResult {
  const canceled = new Set(
    evidence.workload.deployments.filter((d) => d.state === "canceled").map((d) => d.id),
  );
  const problems = evidence.deployments
    .filter((deployment) => !canceled.has(deployment.id))
    .filter((deployment) => deployment.state !== "ready" && deployment.state !== "deleted")
    .map((deployment) => {
      const actions = deployment.actions.map(
        (a) => `${a.status}${a.statusText ? ` (${a.statusText})` : ""}`,
      );
      return `${deployment.id}: ${deployment.state}, actions ${actions.join(", ")}`;
    });
  return verdict(
    "every deployment not canceled went ready",
    `${evidence.deployments.length - canceled.size} deployments, ${canceled.size} canceled`,
    problems,
  );
}

/**
 * Acme KV's branch of each deployment exists exactly while the deployment does: none is left
 * behind by a canceled or deleted deployment (a late start must not recreate one), and every
 * live deployment of a live resource has its own.
 */
export function branchesFollowDeployments(evidence: RunEvidence): CheckResult {
  const outcomes = new Map(evidence.workload.deployments.map((outcome) => [outcome.id, outcome]));
  const { namespaces, deletedResources } = evidence.stored;
  const problems: string[] = [];
  let live = 0;
  let gone = 0;
  for (const deployment of evidence.deployments) {
    const outcome = outcomes.get(deployment.id);
    if (!outcome) continue;
    for (const action of deployment.actions) {
      if (deletedResources.has(action.resourceId)) continue;
      const branch = `${action.resourceId}--${deployment.id}`;
      const shouldExist = outcome.state === "ready" && !outcome.removed;
      if (shouldExist) live++;
      else gone++;
      if (shouldExist && !namespaces.has(branch)) problems.push(`${branch}: missing`);
      if (!shouldExist && namespaces.has(branch))
        problems.push(
          `${branch}: left behind by a ${outcome.removed ? "deleted" : outcome.state} deployment`,
        );
    }
  }
  return verdict(
    "branches follow deployments",
    `${live} branches of live deployments present, ${gone} of canceled or deleted ones absent`,
    problems,
  );
}
