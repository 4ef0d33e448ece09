import { type CheckResult, verdict } from "./check.ts";
import type { HookRunsTable } from "./hook-journal.ts";
import type { Lifetimes, RunEvidence } from "./run-evidence.ts";

/** The figures of provider hook runs the summary shows. */
export interface HookFigures {
  runs: number;
  /** Runs whose process died inside the hook. */
  interruptedByKill: number;
  /** Runs that repeated an earlier one, with the reason each was tolerated. */
  repeats: Record<string, number>;
}

const started = (run: HookRunsTable) => Date.parse(run.started_at);

/**
 * Whether `run` is the cancel an action's start runs itself when it finds, once its work is done,
 * that the action was canceled meanwhile (by another instance): it undoes that work once more
 * (see ActionService), beside the cancel the webhook ran.
 */
function isUndoOfStart(run: HookRunsTable, runs: HookRunsTable[]): boolean {
  return (
    run.hook === "action.cancel" &&
    runs.some(
      (start) =>
        start.hook === "action.start" &&
        start.key === run.key &&
        start.pid === run.pid &&
        start.finished_at !== null &&
        Date.parse(start.finished_at) <= started(run),
    )
  );
}

/**
 * Why `repeat` may run after `earlier` for the same event, or undefined when nothing excuses it:
 * the earlier run threw (hooks are retried), or its process was `kill -9`ed after it began and
 * before the repeat (the framework cannot know whether it finished), or one of the two is a
 * start's own undo of its work.
 */
function excuse(
  earlier: HookRunsTable,
  repeat: HookRunsTable,
  runs: HookRunsTable[],
  lifetimes: Lifetimes,
): string | undefined {
  if (earlier.outcome === "error") return "retry after the hook threw";
  const process = lifetimes.ofPid(earlier.pid);
  if (lifetimes.killedAfter(process, started(earlier)) && started(repeat) >= (process.endedAt ?? 0))
    return "after kill -9";
  if (isUndoOfStart(earlier, runs) || isUndoOfStart(repeat, runs))
    return "cancel by a start that outlived its cancel";
  return undefined;
}

/** No provider hook ran twice for one event, except where a `kill -9` or a throw explains it. */
export function hooksRunOnce(
  evidence: RunEvidence,
  lifetimes: Lifetimes,
): { check: CheckResult; figures: HookFigures } {
  const runs = evidence.stored.hookRuns;
  const figures: HookFigures = { runs: runs.length, interruptedByKill: 0, repeats: {} };
  const problems: string[] = [];
  const byEvent = new Map<string, HookRunsTable[]>();
  for (const run of runs) {
    const event = `${run.hook} ${run.key}`;
    byEvent.set(event, [...(byEvent.get(event) ?? []), run]);
    if (run.finished_at === null) {
      const process = lifetimes.ofPid(run.pid);
      if (lifetimes.killedAfter(process, started(run))) figures.interruptedByKill++;
      else problems.push(`${event}: unfinished on pid ${run.pid}, which was not kill -9ed`);
    }
  }
  for (const [event, eventRuns] of byEvent) {
    for (let index = 1; index < eventRuns.length; index++) {
      const earlier = eventRuns[index - 1] as HookRunsTable;
      const repeat = eventRuns[index] as HookRunsTable;
      const reason = excuse(earlier, repeat, runs, lifetimes);
      if (reason) figures.repeats[reason] = (figures.repeats[reason] ?? 0) + 1;
      else
        problems.push(
          `${event}: ran again on pid ${repeat.pid} after a run on pid ${earlier.pid} ` +
            `(${lifetimes.ofPid(earlier.pid)?.ending ?? "still running"})`,
        );
    }
  }
  const tolerated = Object.entries(figures.repeats).map(([reason, count]) => `${count} ${reason}`);
  return {
    check: verdict(
      "no provider hook ran twice for one event",
      `${runs.length} hook runs for ${byEvent.size} events, ${figures.interruptedByKill} ` +
        `interrupted by kill -9; repeats tolerated: ${tolerated.join(", ") || "none"}`,
      problems,
    ),
    figures,
  };
}

/** Every webhook delivery Vercel saw accepted was processed (its handler ran to the end). */
export function webhooksProcessed(evidence: RunEvidence): CheckResult {
  const deliveries = evidence.partnerExchanges.filter(
    (exchange) => exchange.kind !== "partner-api",
  );
  const accepted = new Set<string>();
  const seen = new Set<string>();
  for (const delivery of deliveries) {
    if (!delivery.eventId) continue;
    seen.add(delivery.eventId);
    if (delivery.status >= 200 && delivery.status < 300) accepted.add(delivery.eventId);
  }
  const processed = new Set(
    evidence.stored.hookRuns
      .filter((run) => run.hook === "webhook" && run.outcome === "ok")
      .map((run) => run.key),
  );
  const problems = [
    ...[...seen].filter((id) => !accepted.has(id)).map((id) => `${id}: never accepted`),
    ...[...accepted]
      .filter((id) => !processed.has(id))
      .map((id) => `${id}: accepted, not processed`),
  ];
  return verdict(
    "every webhook processed",
    `${accepted.size} events accepted in ${deliveries.length} deliveries, ${processed.size} processed`,
    problems,
  );
}

/**
 * The uninstall with cascade, its removed webhook racing the DELETE: each resource's `delete`
 * hook and the installation's `onUninstall` ran (once: see the repeat check), the resources are
 * deleted, and their credentials no longer open the data plane.
 */
export function uninstallCascaded(evidence: RunEvidence): CheckResult {
  const uninstalled = evidence.workload.uninstalled;
  if (!uninstalled) return verdict("uninstall with cascade", "no uninstall in this run", []);
  const ran = (hook: string, key: string) =>
    evidence.stored.hookRuns.some(
      (run) => run.hook === hook && run.key === key && run.outcome === "ok",
    );
  const problems: string[] = [];
  if (!ran("uninstall", uninstalled.installationId)) problems.push("onUninstall never ran");
  for (const resourceId of uninstalled.resourceIds) {
    if (!ran("delete", resourceId)) problems.push(`${resourceId}: delete hook never ran`);
    if (!evidence.stored.deletedResources.has(resourceId))
      problems.push(`${resourceId}: not marked deleted`);
  }
  return verdict(
    "uninstall with cascade",
    `${uninstalled.installationId} with ${uninstalled.resourceIds.length} resources`,
    problems,
  );
}
