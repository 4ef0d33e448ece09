import type { Logger } from "pino";
import { lazyChild } from "../lazy-child.ts";
import type { DeploymentActionPayload } from "../protocol/webhooks.ts";
import type { ActionRunRecord, ActionTarget } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { VercelClient } from "../vercel/vercel-client.ts";
import { abortWhenSettledElsewhere } from "./cancel-watch.ts";
import type {
  ActionContext,
  ActionDefinition,
  ActionDeployment,
  Integration,
} from "./define-integration.ts";
import type { HookContexts, VercelClientFor, Work } from "./hook-context.ts";
import { PartnerError } from "./partner-error.ts";

export interface ActionOptions {
  /** Report `running` when the work outlives this (spec §7: the user's build waits meanwhile). */
  runningAfterMs?: number;
  defaultTimeoutMs?: number;
  /**
   * How often a running start reads its run back to notice a cancel or cleanup recorded by
   * another instance (1 s by default).
   */
  cancelPollMs?: number;
  /** A page where the user can follow a run, sent with `running` (`https://` or `sso:`). */
  statusUrl?: (run: ActionRunRecord) => string | undefined;
}

/** Where a lifecycle call comes from: its logger and, from a webhook, the delivery's id. */
type Origin = Work & { eventId?: string };

type FinalOutcome = {
  status: "succeeded" | "failed";
  statusText: string | null;
  outcomes?: ActionRunRecord["outcomes"];
};

const FINAL: ActionRunRecord["status"][] = ["succeeded", "failed", "canceled"];

/**
 * The deployment action lifecycle (spec §7). A run is keyed by (deployment, resource, action),
 * so redeliveries are no-ops; its final status is written before it is reported, so a crash
 * between the two re-sends the same report instead of running the work again; and a status only
 * moves out of `running` once, so a canceled run never reports success.
 */
export class ActionService {
  private readonly inFlight = new Map<string, AbortController>();

  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly contexts: HookContexts,
    private readonly vercelFor: VercelClientFor,
    private readonly options: ActionOptions = {},
  ) {}

  async start(payload: DeploymentActionPayload, origin: Origin): Promise<void> {
    const { run } = await this.store.createActionRun(target(payload), origin.eventId);
    const log = lazyChild(origin.log, {
      runId: run.id,
      deploymentId: run.deploymentId,
      resourceId: run.resourceId,
    });
    const work: Work = { log, calls: origin.calls };
    // The first delivery's job owns the run and, retried, finishes it even after a crash; a start
    // redelivered under another id must neither run the work again nor report a second time.
    if (run.startedBy && origin.eventId && run.startedBy !== origin.eventId) {
      log.info({ startedBy: run.startedBy }, "start redelivered; the first delivery owns the run");
      return;
    }
    if (run.cleanedUp) {
      log.info("start after the deployment's cleanup; nothing to do");
      return;
    }
    if (FINAL.includes(run.status)) {
      if (!run.reported && run.status !== "canceled" && (await this.stillInstalled(run, log)))
        await this.report(run, work);
      return;
    }
    if (
      !(await this.store.transitionActionRun(run.id, ["queued", "running"], { status: "running" }))
    )
      return;

    const controller = new AbortController();
    this.inFlight.set(run.id, controller);
    const stopWatching = this.watchForCancel(run, controller, log);
    try {
      await this.work(run, controller, work);
    } finally {
      stopWatching();
      this.inFlight.delete(run.id);
    }
  }

  /**
   * Aborts `controller` once the run is no longer `running` in the store: a cancel or cleanup
   * may be processed by another instance, which can only tell this one through the database.
   */
  private watchForCancel(run: ActionRunRecord, controller: AbortController, log: Logger) {
    return abortWhenSettledElsewhere(
      {
        read: () => this.store.getActionRun(targetOf(run)),
        settled: (current) => current.status !== "running",
        describe: (current) => ({ status: current.status }),
        aborting: "deployment action canceled elsewhere; aborting",
        readFailed: "reading the action run back failed",
      },
      controller,
      log,
      this.options.cancelPollMs ?? 1_000,
    );
  }

  private async work(run: ActionRunRecord, controller: AbortController, work: Work) {
    const { log } = work;
    const prepared = await this.prepare(run, work);
    if (controller.signal.aborted) return;
    if ("failure" in prepared) {
      await this.finish(run, { status: "failed", statusText: prepared.failure }, work);
      return;
    }
    const { definition, ctx, input } = prepared;
    // Not AbortSignal.timeout(): AbortSignal.any holds its sources weakly, and a timeout signal
    // nothing else holds can be collected before it fires, leaving the action to run for ever.
    const timeout = new AbortController();
    const timeoutTimer = setTimeout(
      () => timeout.abort(new DOMException("The action timed out", "TimeoutError")),
      definition.timeoutMs ?? this.options.defaultTimeoutMs ?? 5 * 60_000,
    );
    const signal = AbortSignal.any([controller.signal, timeout.signal]);
    let runningReport: Promise<void> | undefined;
    const runningTimer = setTimeout(() => {
      runningReport = ctx.vercel
        .updateDeploymentAction({
          ...targetOf(run),
          status: "running",
          statusUrl: this.options.statusUrl?.(run),
        })
        .catch((error: unknown) => log.warn({ err: error }, "reporting running failed"));
    }, this.options.runningAfterMs ?? 1_000);

    let outcome: FinalOutcome;
    try {
      const result = await untilAborted(definition.start({ ...ctx, signal }, input), signal);
      const outcomes = result?.secrets?.length
        ? [{ kind: "resource-secrets", secrets: result.secrets }]
        : [];
      outcome = { status: "succeeded", statusText: result?.statusText ?? null, outcomes };
    } catch (error) {
      if (controller.signal.aborted) return; // canceled: Vercel knows, nothing to report
      log.warn({ err: error }, "deployment action failed");
      outcome = { status: "failed", statusText: describeFailure(error, signal) };
    } finally {
      clearTimeout(runningTimer);
      clearTimeout(timeoutTimer);
    }
    await runningReport;
    // Outside the try: a report that fails must fail the job (which retries and re-sends the
    // stored status), not be mistaken for a failure of the provider's work.
    if (await this.finish(run, outcome, work)) return;
    // The work ended before this instance noticed a cancel or cleanup processed elsewhere, whose
    // hook may have run before the work created what it did: undo that work once more.
    const current = await this.store.getActionRun(targetOf(run));
    if (outcome.status === "succeeded" && current?.status === "canceled") {
      log.info("deployment action finished after its cancel; canceling its work");
      await definition.cancel?.({ ...ctx, signal: AbortSignal.timeout(60_000) }, input);
    }
  }

  async cancel(payload: DeploymentActionPayload, origin: Origin): Promise<void> {
    const { run, created } = await this.store.createActionRun(target(payload));
    // Canceled before it started (or before the start arrived): a late start is then a no-op.
    await this.store.transitionActionRun(run.id, ["queued", "running"], { status: "canceled" });
    // A final status still waiting to reach Vercel is not sent after the cancel (spec §7).
    await this.store.transitionActionRun(
      run.id,
      ["succeeded", "failed"],
      { status: "canceled" },
      true,
    );
    this.inFlight.get(run.id)?.abort(new Error("canceled"));
    if (created) return;
    const prepared = await this.prepare(run, origin);
    if ("failure" in prepared) return;
    await prepared.definition.cancel?.(
      { ...prepared.ctx, signal: AbortSignal.timeout(60_000) },
      prepared.input,
    );
  }

  async cleanup(payload: DeploymentActionPayload, origin: Origin): Promise<void> {
    // The run is recorded even when no start came: a start arriving later must not recreate
    // anything for a deployment that is gone.
    const { run, created } = await this.store.createActionRun(target(payload));
    if (run.cleanedUp) return;
    await this.store.transitionActionRun(run.id, ["queued", "running"], { status: "canceled" });
    this.inFlight.get(run.id)?.abort(new Error("cleaned up"));
    if (!created) {
      const prepared = await this.prepare(run, origin);
      if (!("failure" in prepared)) {
        await prepared.definition.cleanup?.(
          { ...prepared.ctx, signal: AbortSignal.timeout(60_000) },
          prepared.input,
        );
      }
    }
    await this.store.markActionRunCleanedUp(run.id);
  }

  private async prepare(
    run: ActionRunRecord,
    work: Work,
  ): Promise<
    | { failure: string }
    | {
        definition: ActionDefinition<Record<string, unknown>>;
        ctx: Omit<ActionContext, "signal">;
        input: Parameters<ActionDefinition<Record<string, unknown>>["start"]>[1];
      }
  > {
    const installation = await this.store.getInstallation(run.installationId);
    const resource = await this.store.getResource(run.installationId, run.resourceId);
    if (!installation || installation.deletedAt || !resource || resource.deletedAt) {
      return { failure: "The resource no longer exists" };
    }
    const definition = this.integration.product(resource.productId)?.actions?.[run.action];
    if (!definition) return { failure: `Unknown action ${run.action}` };
    const ctx = this.contexts.create({ requestId: run.id, ...work }, installation);
    return {
      definition,
      ctx,
      input: {
        deployment: await deploymentOf(ctx.vercel, run, work.log),
        resource,
        action: run.action,
      },
    };
  }

  private async finish(
    run: ActionRunRecord,
    to: {
      status: "succeeded" | "failed";
      statusText: string | null;
      outcomes?: ActionRunRecord["outcomes"];
    },
    work: Work,
  ): Promise<boolean> {
    if (!(await this.store.transitionActionRun(run.id, ["running"], { outcomes: null, ...to })))
      return false;
    await this.report(
      { ...run, status: to.status, statusText: to.statusText, outcomes: to.outcomes ?? null },
      work,
    );
    return true;
  }

  /**
   * Whether a final status still owed to Vercel can reach it: once the installation is
   * uninstalled Vercel refuses every call of its token (410), so re-sending would only fail until
   * the job is dead.
   */
  private async stillInstalled(run: ActionRunRecord, log: Logger): Promise<boolean> {
    const installation = await this.store.getInstallation(run.installationId);
    if (installation && !installation.deletedAt) return true;
    log.info("the installation was uninstalled; its final status is no longer sent");
    return false;
  }

  private async report(run: ActionRunRecord, { log, calls }: Work): Promise<void> {
    const vercel = this.vercelFor(run.installationId, log, calls);
    await vercel.updateDeploymentAction({
      ...targetOf(run),
      status: run.status === "succeeded" ? "succeeded" : "failed",
      ...(run.statusText && { statusText: run.statusText }),
      ...(run.outcomes && run.outcomes.length > 0 && { outcomes: run.outcomes }),
    });
    await this.store.markActionRunReported(run.id);
    log.info({ status: run.status }, "deployment action reported");
  }
}

function target(payload: DeploymentActionPayload): ActionTarget {
  return {
    installationId: payload.installationId,
    deploymentId: payload.deployment.id,
    resourceId: payload.resourceId,
    action: payload.action,
  };
}

function targetOf(run: ActionRunRecord) {
  return { deploymentId: run.deploymentId, resourceId: run.resourceId, action: run.action };
}

/** The deployment's git context for the handler; a failed lookup still lets the action run. */
async function deploymentOf(
  vercel: VercelClient,
  run: ActionRunRecord,
  log: Logger,
): Promise<ActionDeployment> {
  try {
    const deployment = await vercel.getDeployment(run.deploymentId);
    return {
      id: run.deploymentId,
      url: deployment.url,
      target: deployment.target ?? null,
      gitRef: deployment.gitSource?.ref ?? undefined,
      gitSha: deployment.gitSource?.sha ?? undefined,
    };
  } catch (error) {
    log.warn({ err: error }, "deployment details unavailable");
    return { id: run.deploymentId };
  }
}

/** Settles with the work, or rejects as soon as the signal aborts, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** What the user sees: a provider's PartnerError message, otherwise nothing internal. */
function describeFailure(error: unknown, signal: AbortSignal): string {
  if (error instanceof PartnerError) return error.options.userMessage ?? error.message;
  if (signal.aborted) return "The action timed out";
  return "The action failed";
}
