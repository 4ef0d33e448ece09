import type { ExitStatus } from "../../test/support/server-process.ts";
import { type CheckResult, verdict } from "./check.ts";
import type { Lifetimes, RunEvidence } from "./run-evidence.ts";

/** A cut connection is the kill's doing only if it broke this close to the kill. */
const CUT_WINDOW_MS = 2_000;

const cleanExit = (exit: ExitStatus | undefined) => exit?.code === 0 && exit.signal === null;

/**
 * Vercel never got a 5xx but for the connections a `kill -9` cut: every answer an instance
 * gave was below 500, and every broken connection broke when its process was killed.
 */
export function noServerErrors(evidence: RunEvidence, lifetimes: Lifetimes): CheckResult {
  const problems: string[] = [];
  let cut = 0;
  for (const exchange of evidence.proxied) {
    const where = `${exchange.method} ${exchange.path} on instance ${exchange.instance}`;
    if (exchange.outcome === "no backend") problems.push(`${where}: no instance was up`);
    else if (exchange.outcome === "cut") {
      const process = lifetimes.of(exchange.instance, exchange.generation);
      const killedThen =
        process?.ending === "kill -9" &&
        Math.abs((exchange.answeredAt ?? 0) - (process.endedAt ?? 0)) < CUT_WINDOW_MS;
      if (killedThen) cut++;
      else problems.push(`${where}: connection broke (${exchange.error}) without a kill -9`);
    } else if (exchange.outcome >= 500) problems.push(`${where}: answered ${exchange.outcome}`);
  }
  for (const failed of evidence.partnerExchanges.filter((exchange) => exchange.status === 0))
    problems.push(`${failed.method} ${failed.path}: the load balancer was unreachable`);
  return verdict(
    "no 5xx but a kill's cut connections",
    `${evidence.proxied.length} requests through the load balancer, ${cut} cut by kill -9`,
    problems,
  );
}

/** Once the run is over, no job is running, due or dead, and nothing waits for a dead owner. */
export function nothingStuck(evidence: RunEvidence): CheckResult {
  const { stored } = evidence;
  const problems = [
    ...(evidence.idle ? [] : ["the queue did not drain"]),
    ...stored.stuckJobs.map(
      (job) =>
        `${job.kind} job ${job.status} after ${job.attempts} attempts: ${job.lastError ?? ""}`,
    ),
    ...Object.entries(stored.actionRuns)
      .filter(([status, count]) => (status === "queued" || status === "running") && count > 0)
      .map(([status, count]) => `${count} action runs ${status}`),
    ...(stored.unfinishedRotations > 0
      ? [`${stored.unfinishedRotations} secrets rotations unfinished`]
      : []),
    ...(stored.pendingIdempotencyKeys > 0
      ? [`${stored.pendingIdempotencyKeys} idempotency keys pending`]
      : []),
    ...(stored.lockedInstallations > 0
      ? [`${stored.lockedInstallations} installations locked`]
      : []),
  ];
  const later = Object.entries(stored.queuedForLater).map(([kind, count]) => `${count} ${kind}`);
  return verdict(
    "nothing left running or dead",
    `jobs: ${Object.entries(stored.jobs)
      .map(([status, count]) => `${count} ${status}`)
      .join(", ")}${later.length > 0 ? ` (queued for later: ${later.join(", ")})` : ""}`,
    problems,
  );
}

/**
 * Each signal landed while its instance was at work, a SIGTERM'd instance exited 0 on its own,
 * and no instance ever exited unasked.
 */
export function signalsLanded(evidence: RunEvidence): CheckResult {
  const problems: string[] = [];
  for (const disruption of evidence.disruptions) {
    const who = `${disruption.kind} of instance ${disruption.instance}.${disruption.generation}`;
    if (disruption.inFlight === 0) problems.push(`${who}: came while it had nothing in flight`);
    if (disruption.kind === "SIGTERM" && !cleanExit(disruption.exit))
      problems.push(`${who}: ended ${JSON.stringify(disruption.exit)}`);
  }
  evidence.shutdowns.forEach((exit, instance) => {
    if (!cleanExit(exit))
      problems.push(`final SIGTERM of instance ${instance}: ended ${JSON.stringify(exit)}`);
  });
  for (const generation of evidence.generations.filter((g) => g.ending === "exit"))
    problems.push(`instance ${generation.instance}.${generation.generation} exited unasked`);
  const inFlight = evidence.disruptions.map((d) => `${d.kind}: ${d.inFlight}`).join(", ");
  return verdict(
    "signals landed mid-work; SIGTERM exits 0",
    `calls in flight at each signal: ${inFlight || "no signals"}`,
    problems,
  );
}

/** Every request Vercel made eventually succeeded: the partner did what it was asked. */
export function requestsServed(evidence: RunEvidence): CheckResult {
  const calls = evidence.partnerExchanges.filter((exchange) => exchange.kind === "partner-api");
  return verdict(
    "every Partner API call and delivery done",
    `${calls.length} Partner API attempts, ${evidence.workload.rotations} rotations, ` +
      `${evidence.workload.transfers} transfers`,
    evidence.workload.failures.map((failure) => `${failure.operation}: ${failure.error}`),
  );
}

/** Vercel's current credentials of each live resource open its store; a deleted one's do not. */
export function credentialsWork(evidence: RunEvidence): CheckResult {
  const problems = evidence.probes
    .filter((probe) => probe.status !== (probe.deleted ? 401 : 200))
    .map(
      (probe) =>
        `${probe.resourceId} (${probe.deleted ? "deleted" : "live"}): data plane answered ${probe.status}`,
    );
  return verdict(
    "Vercel's credentials match each store",
    `${evidence.probes.length} resources probed with the secrets Vercel holds`,
    problems,
  );
}
