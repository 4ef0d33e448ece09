import type { Logger } from "pino";
import { lazyChild } from "../lazy-child.ts";
import {
  CheckRerequestedPayload,
  CheckRunConclusion,
  CheckRunPayload,
  DeploymentCanceledPayload,
} from "../protocol/check-webhooks.ts";
import type {
  CheckRunConclusionChange,
  CheckRunRecord,
  CheckRunTarget,
} from "../store/check-run-queries.ts";
import type { Store } from "../store/store.ts";
import { VercelApiError } from "../vercel/vercel-client.ts";
import { abortWhenSettledElsewhere } from "./cancel-watch.ts";
import type { CheckDefinition, CheckInput } from "./checks-types.ts";
import type { ActionDeployment, HookContext, Integration } from "./define-integration.ts";
import type { HookContexts, VercelClientFor, Work } from "./hook-context.ts";
import { PartnerError } from "./partner-error.ts";

/** Deliveries about checks: a pool of their own, so checks never delay other deliveries or actions. */
export const CHECK_WEBHOOK_JOB = "webhook-check";

export const CHECK_EVENTS = {
  "deployment.checkrun.start": "start",
  "deployment.checkrun.cancel": "cancel",
  "deployment.check-rerequested": "rerequest",
  "deployment.canceled": "deploymentCanceled",
} as const;

export interface CheckOptions {
  /** How long a run may take when its check sets no `timeoutMs` (5 minutes by default). */
  defaultTimeoutMs?: number;
  /** How often a running check reads its run back to notice a cancel made by another instance. */
  cancelPollMs?: number;
  /** A page where the user can follow a run, sent with `running` (`https://` or `sso:`). */
  externalUrl?: (run: CheckRunRecord) => string | undefined;
}

type Origin = Work & { eventId?: string };
type Resolved =
  | { conclude: CheckRunConclusionChange }
  | {
      name: string;
      definition: CheckDefinition<Record<string, unknown>>;
      ctx: HookContext;
      input: Omit<CheckInput<Record<string, unknown>>, "deployment">;
    };

const OPEN: CheckRunRecord["status"][] = ["queued", "running"];

/**
 * Deployment checks (spec §8), driven through v2 check runs: Vercel creates a run per deployment
 * and sends `deployment.checkrun.start`; the provider's `run` works in this delivery's job and the
 * run goes to Vercel as `running`, then `completed` with one conclusion. A run is a row keyed by
 * (deployment, Vercel run, attempt): a redelivered start finds it; its conclusion is written before
 * it is reported, so a crash between the two re-sends the same conclusion instead of running the
 * check again; and a run leaves `running` once, so a canceled run never reports another verdict.
 */
export class CheckService {
  private readonly inFlight = new Map<string, AbortController>();

  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly contexts: HookContexts,
    private readonly vercelFor: VercelClientFor,
    private readonly options: CheckOptions = {},
  ) {}

  /**
   * The framework's reaction to a delivery, if it is about checks. A payload that does not parse
   * is logged and left alone here; the provider's handlers then refuse it (its job goes dead).
   */
  async react(type: string, payload: unknown, origin: Origin): Promise<void> {
    if (!Object.hasOwn(CHECK_EVENTS, type)) return;
    const reaction = CHECK_EVENTS[type as keyof typeof CHECK_EVENTS];
    const schema = {
      start: CheckRunPayload,
      cancel: CheckRunPayload,
      rerequest: CheckRerequestedPayload,
      deploymentCanceled: DeploymentCanceledPayload,
    }[reaction];
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      origin.log.warn({ issues: parsed.error.issues.length }, "check webhook payload refused");
      return;
    }
    if (reaction === "rerequest")
      return this.rerequest(parsed.data as CheckRerequestedPayload, origin);
    if (reaction === "deploymentCanceled")
      return this.deploymentCanceled(parsed.data as DeploymentCanceledPayload, origin);
    return this[reaction](parsed.data as CheckRunPayload, origin);
  }

  async start(payload: CheckRunPayload, origin: Origin): Promise<void> {
    const { run } = await this.store.checkRuns.create(targetOf(payload, 1), origin.eventId);
    const work = workFor(origin, run);
    // The first delivery's job owns the run and, retried, finishes it even after a crash.
    if (run.startedBy && origin.eventId && run.startedBy !== origin.eventId) {
      work.log.info(
        { startedBy: run.startedBy },
        "check start redelivered; the first delivery owns it",
      );
      return;
    }
    await this.execute(run, work);
  }

  async cancel(payload: CheckRunPayload, origin: Origin): Promise<void> {
    const target = targetOf(payload, 1);
    const runs = (await this.store.checkRuns.ofDeployment(target.deploymentId)).filter(
      (run) => run.vercelRunId === target.vercelRunId,
    );
    // Canceled before its start arrived: the row makes a late start a no-op.
    if (runs.length === 0) runs.push((await this.store.checkRuns.create(target)).run);
    for (const run of runs) await this.cancelRun(run, workFor(origin, run));
  }

  /** `deployment.canceled`: its runs still open are concluded `canceled` and their work aborted. */
  async deploymentCanceled(payload: DeploymentCanceledPayload, origin: Origin): Promise<void> {
    for (const run of await this.store.checkRuns.ofDeployment(payload.deployment.id)) {
      if (OPEN.includes(run.status)) await this.cancelRun(run, workFor(origin, run));
    }
  }

  /**
   * `deployment.check-rerequested`: a fresh run (the next attempt) of the check `check.id` names,
   * reported on the same Vercel run. Tolerant reading (spec §6.4 documents this event for v1
   * checks only): `check.id` may be the v2 check's id or its run's.
   */
  async rerequest(payload: CheckRerequestedPayload, origin: Origin): Promise<void> {
    const runs = (await this.store.checkRuns.ofDeployment(payload.deployment.id)).filter(
      (run) => run.vercelRunId === payload.check.id || run.vercelCheckId === payload.check.id,
    );
    const mine = runs.find((run) => origin.eventId && run.startedBy === origin.eventId);
    if (mine) return this.execute(mine, workFor(origin, mine)); // this job, retried
    const latest = runs.at(-1);
    if (!latest) {
      origin.log.info({ checkId: payload.check.id }, "rerequest of a check never started here");
      return;
    }
    if (latest.status !== "completed") {
      workFor(origin, latest).log.info("rerequest while the check still runs; ignored");
      return;
    }
    const { run } = await this.store.checkRuns.create(
      {
        installationId: latest.installationId,
        deploymentId: latest.deploymentId,
        vercelRunId: latest.vercelRunId,
        attempt: latest.attempt + 1,
        resourceId: latest.resourceId ?? undefined,
        vercelCheckId: latest.vercelCheckId ?? undefined,
        checkName: latest.checkName ?? undefined,
      },
      origin.eventId,
    );
    await this.execute(run, workFor(origin, run));
  }

  private async execute(run: CheckRunRecord, work: Work): Promise<void> {
    const { log } = work;
    if (run.status === "completed") {
      if (!run.reported && (await this.stillInstalled(run, log))) await this.report(run, work);
      return;
    }
    const installation = await this.store.getInstallation(run.installationId);
    if (!installation || installation.deletedAt) {
      log.info("the installation was uninstalled; the check run is not worked on");
      return;
    }
    const resolved = await this.resolve(run, installation, work);
    if ("conclude" in resolved) {
      await this.finish(run, ["queued", "running"], resolved.conclude, work);
      return;
    }
    if (!(await this.store.checkRuns.markRunning(run.id, run.resourceId, resolved.name))) {
      return; // canceled meanwhile: the cancel concludes it
    }
    const running = { ...run, status: "running" as const, checkName: resolved.name };
    const externalUrl = this.options.externalUrl?.(running);
    await resolved.ctx.vercel.updateCheckRun(run.deploymentId, run.vercelRunId, {
      status: "running",
      ...(externalUrl && { externalUrl }),
    });
    const deployment = await deploymentOf(resolved.ctx, run.deploymentId, log);
    const controller = new AbortController();
    this.inFlight.set(run.id, controller);
    const stopWatching = this.watchForCancel(run, controller, log);
    try {
      const change = await this.work(resolved, { ...resolved.input, deployment }, controller, log);
      if (change) await this.finish(running, ["running"], change, work);
    } finally {
      stopWatching();
      this.inFlight.delete(run.id);
    }
  }

  /** The check's verdict, or undefined when it was canceled (the cancel concludes the run). */
  private async work(
    { definition, ctx }: Exclude<Resolved, { conclude: CheckRunConclusionChange }>,
    input: CheckInput<Record<string, unknown>>,
    controller: AbortController,
    log: Logger,
  ): Promise<CheckRunConclusionChange | undefined> {
    // Not AbortSignal.timeout(): AbortSignal.any holds its sources weakly (see actions.ts).
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException("The check timed out", "TimeoutError")),
      definition.timeoutMs ?? this.options.defaultTimeoutMs ?? 5 * 60_000,
    );
    const signal = AbortSignal.any([controller.signal, timeout.signal]);
    try {
      const result = await untilAborted(definition.run({ ...ctx, signal }, input), signal);
      const conclusion = CheckRunConclusion.safeParse(result?.conclusion);
      if (!conclusion.success || ["timeout", "canceled"].includes(conclusion.data)) {
        log.warn({ conclusion: result?.conclusion }, "check returned no valid conclusion");
        return { conclusion: "failed", conclusionText: "The check gave no valid conclusion" };
      }
      return {
        conclusion: conclusion.data,
        conclusionText: result.conclusionText,
        output: result.output,
        externalUrl: result.externalUrl,
      };
    } catch (error) {
      if (controller.signal.aborted) return undefined;
      // Vercel's check runs have a `timeout` conclusion (@vercel/sdk UpdateDeploymentCheckRun).
      if (timeout.signal.aborted) return { conclusion: "timeout", conclusionText: "Timed out" };
      log.warn({ err: error }, "check failed");
      return { conclusion: "failed", conclusionText: describeFailure(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  private async cancelRun(run: CheckRunRecord, work: Work): Promise<void> {
    const canceled: CheckRunConclusionChange = {
      conclusion: "canceled",
      conclusionText: "Canceled",
    };
    if (await this.store.checkRuns.conclude(run.id, OPEN, canceled)) {
      this.inFlight.get(run.id)?.abort(new Error("canceled"));
      await this.report({ ...run, status: "completed", ...asRecord(canceled) }, work);
      return;
    }
    // Concluded before (by this cancel's previous attempt, or by the check): re-send if still owed.
    const current = await this.store.checkRuns.byId(run.id);
    if (current && !current.reported) await this.report(current, work);
  }

  /**
   * Aborts `controller` once the run is no longer `running` in the store: a cancel may be
   * processed by another instance, which can only tell this one through the database.
   */
  private watchForCancel(run: CheckRunRecord, controller: AbortController, log: Logger) {
    return abortWhenSettledElsewhere(
      {
        read: () => this.store.checkRuns.byId(run.id),
        settled: (current) => current.status !== "running",
        describe: (current) => ({ conclusion: current.conclusion }),
        aborting: "check run concluded elsewhere; aborting",
        readFailed: "reading the check run back failed",
      },
      controller,
      log,
      this.options.cancelPollMs ?? 1_000,
    );
  }

  private async resolve(
    run: CheckRunRecord,
    installation: NonNullable<Awaited<ReturnType<Store["getInstallation"]>>>,
    work: Work,
  ): Promise<Resolved> {
    const resource = run.resourceId
      ? await this.store.getResource(run.installationId, run.resourceId)
      : undefined;
    if (!resource || resource.deletedAt) {
      return { conclude: { conclusion: "skipped", conclusionText: "No resource for this check" } };
    }
    const checks = this.integration.product(resource.productId)?.checks ?? {};
    const ctx = this.contexts.create({ requestId: run.id, ...work }, installation);
    const name = run.checkName ?? (await checkName(ctx, run, work.log));
    const found = Object.entries(checks).find(
      ([key, definition]) => key === name || (name !== undefined && definition.name === name),
    );
    if (!found) {
      return {
        conclude: { conclusion: "skipped", conclusionText: `No check named ${name ?? "?"}` },
      };
    }
    const [key, definition] = found;
    return {
      name: key,
      definition,
      ctx,
      input: {
        resource,
        check: { name: key, runId: run.vercelRunId, attempt: run.attempt },
      },
    };
  }

  private async finish(
    run: CheckRunRecord,
    from: CheckRunRecord["status"][],
    change: CheckRunConclusionChange,
    work: Work,
  ): Promise<void> {
    if (!(await this.store.checkRuns.conclude(run.id, from, change))) return;
    await this.report({ ...run, status: "completed", ...asRecord(change) }, work);
  }

  private async stillInstalled(run: CheckRunRecord, log: Logger): Promise<boolean> {
    const installation = await this.store.getInstallation(run.installationId);
    if (installation && !installation.deletedAt) return true;
    log.info("the installation was uninstalled; the conclusion is no longer sent");
    return false;
  }

  private async report(run: CheckRunRecord, { log, calls }: Work): Promise<void> {
    const vercel = this.vercelFor(run.installationId, log, calls);
    try {
      await vercel.updateCheckRun(run.deploymentId, run.vercelRunId, {
        status: "completed",
        conclusion: run.conclusion ?? "neutral",
        ...(run.conclusionText && { conclusionText: run.conclusionText }),
        ...(run.output && { output: run.output }),
        ...(run.externalUrl && { externalUrl: run.externalUrl }),
        completedAt: Date.now(),
      });
    } catch (error) {
      // A canceled run may already be closed on Vercel's side (its cancel came from there): a
      // refusal of our `canceled` is the end of it, not a reason to retry (UNCONFIRMED, spec §14).
      const refused = error instanceof VercelApiError && (error.status ?? 500) < 500;
      if (!(run.conclusion === "canceled" && refused)) throw error;
      log.info({ status: (error as VercelApiError).status }, "Vercel refused the canceled run");
    }
    await this.store.checkRuns.markReported(run.id);
    log.info({ conclusion: run.conclusion }, "check run reported");
  }
}

function targetOf(payload: CheckRunPayload, attempt: number): CheckRunTarget {
  const { checkRun } = payload;
  const installationId =
    checkRun.source?.integrationConfigurationId ??
    payload.installationId ??
    payload.configuration?.id;
  const deploymentId = payload.deployment?.id ?? checkRun.deploymentId;
  // The schema refuses payloads without either (protocol/check-webhooks.ts).
  if (!installationId || !deploymentId) throw new Error("Check run payload is incomplete");
  return {
    installationId,
    deploymentId,
    vercelRunId: checkRun.id,
    attempt,
    // The partner's id is Vercel's `externalResourceId`; `resourceId` is read as a fallback.
    resourceId: checkRun.source?.externalResourceId ?? checkRun.source?.resourceId,
    vercelCheckId: checkRun.checkId,
    checkName: checkRun.name,
  };
}

function asRecord(change: CheckRunConclusionChange) {
  return {
    conclusion: change.conclusion,
    conclusionText: change.conclusionText ?? null,
    output: change.output ?? null,
    externalUrl: change.externalUrl ?? null,
  };
}

function workFor(origin: Origin, run: CheckRunRecord): Work {
  const log = lazyChild(origin.log, {
    checkRunId: run.id,
    vercelRunId: run.vercelRunId,
    deploymentId: run.deploymentId,
    resourceId: run.resourceId,
  });
  return { log, calls: origin.calls };
}

/** The run's name when the webhook did not carry it: Vercel's Get Check Run has it. */
async function checkName(ctx: HookContext, run: CheckRunRecord, log: Logger) {
  try {
    return (await ctx.vercel.getCheckRun(run.deploymentId, run.vercelRunId)).name;
  } catch (error) {
    log.warn({ err: error }, "check run name unavailable");
    return undefined;
  }
}

async function deploymentOf(
  ctx: HookContext,
  deploymentId: string,
  log: Logger,
): Promise<ActionDeployment> {
  try {
    const deployment = await ctx.vercel.getDeployment(deploymentId);
    return {
      id: deploymentId,
      url: deployment.url,
      target: deployment.target ?? null,
      gitRef: deployment.gitSource?.ref ?? undefined,
      gitSha: deployment.gitSource?.sha ?? undefined,
    };
  } catch (error) {
    log.warn({ err: error }, "deployment details unavailable");
    return { id: deploymentId };
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function describeFailure(error: unknown): string {
  if (error instanceof PartnerError) return error.options.userMessage ?? error.message;
  return "The check failed";
}
