import type { VercelDeployment } from "../protocol/vercel-api.ts";
import { type DeploymentEvent, deploymentEventPayload } from "./deployment-events.ts";
import { type Environment, secretsToEnv } from "./env-vars.ts";
import type { EmulatorState } from "./state.ts";
import { checkRunsOf, type EmulatedCheckRun } from "./vercel-api/routes/checks.ts";
import type { ActionStatus, DeploymentActionRecord, VercelApiState } from "./vercel-api/store.ts";
import type { Deliver, DeliveryResult } from "./webhook-sender.ts";

export type DeploymentState = "provisioning" | "ready" | "error" | "canceled" | "deleted";

/** One configured action of a deployment, as Vercel tracks it (spec §7). */
export interface DeploymentAction {
  installationId: string;
  resourceId: string;
  action: string;
  status: ActionStatus | "pending";
  statusText?: string;
  statusUrl?: string;
}

export interface EmulatedDeployment {
  id: string;
  projectId: string;
  url: string;
  target: "production" | null;
  environment: Environment;
  ref: string;
  state: DeploymentState;
  actions: DeploymentAction[];
  /** The deployment's env vars once ready: the project's, then the actions' `resource-secrets`. */
  env: Record<string, string>;
  /** The deployment's check runs (spec §8), as Vercel keeps them, once its actions succeeded. */
  checkRuns?: EmulatedCheckRun[];
  createdAt: string;
  settledAt?: string;
}

export interface DeployOptions {
  target?: "production" | "preview";
  ref?: string;
  sha?: string;
  /** Checks to run on this deployment besides those its resources' products declare. */
  checks?: { name: string; blocking: boolean }[];
}

type ActionEvent = "start" | "cancel" | "cleanup";

/** How the emulator learns which checks run and tells the partner (spec §8, v2 check runs). */
export interface DeploymentChecks {
  /** The checks the product of this resource declares. */
  declared(resourceId: string): { name: string; blocking: boolean }[];
  /** Sends `deployment.checkrun.<event>` for the run. */
  send(event: "start" | "cancel", run: EmulatedCheckRun): Promise<DeliveryResult>;
}

/** Conclusions that let a blocking check's deployment be promoted. */
const PASSING = new Set(["succeeded", "neutral", "skipped"]);

export interface DeploymentSimulatorOptions {
  state: EmulatorState;
  store: VercelApiState;
  /** Sends `deployment.integration.action.<event>` to the partner's webhook URL. */
  sendActionEvent: (
    event: ActionEvent,
    action: DeploymentAction,
    deploymentId: string,
  ) => Promise<DeliveryResult>;
  /** Checks to run once the actions succeeded; none when omitted. */
  checks?: DeploymentChecks;
  /** Sends the lifecycle webhooks (`deployment.created`, `.ready`, …); none when omitted. */
  deliver?: Deliver;
}

const SETTLED: ReadonlySet<DeploymentAction["status"]> = new Set([
  "succeeded",
  "failed",
  "canceled",
]);

/**
 * Vercel's side of deployment integration actions (spec §7): a deployment registers the actions its
 * project's connections picked, sends a start webhook for each and stays provisioning until every
 * action has reported a final status; `resource-secrets` outcomes become that deployment's env.
 * Its lifecycle is told as Vercel does (spec §6.4): `deployment.created` on deploy, `.ready` once
 * built (the actions succeeded; checks start then), `.succeeded` once its blocking checks passed,
 * else `.error`, and `.canceled`; one after another per deployment, in that order.
 */
export class DeploymentSimulator {
  private readonly deployments = new Map<string, EmulatedDeployment>();
  private readonly waiters = new Map<string, Array<() => void>>();
  /** Per deployment, the last lifecycle delivery: the next one goes out after it. */
  private readonly announced = new Map<string, Promise<void>>();
  private readonly extraChecks = new Map<string, { name: string; blocking: boolean }[]>();

  constructor(private readonly options: DeploymentSimulatorOptions) {
    checkRunsOf(options.store).onUpdate((run) => {
      const deployment = this.deployments.get(run.deploymentId);
      if (deployment?.checkRuns?.includes(run)) this.settleIfDone(deployment);
    });
  }

  list(projectId?: string): EmulatedDeployment[] {
    return [...this.deployments.values()]
      .filter((deployment) => !projectId || deployment.projectId === projectId)
      .reverse();
  }

  get(id: string): EmulatedDeployment | undefined {
    return this.deployments.get(id);
  }

  /** Creates the deployment and sends the start webhooks; answers once they are delivered. */
  async deploy(projectId: string, options: DeployOptions = {}): Promise<EmulatedDeployment> {
    const { state, store } = this.options;
    const project = state.projects.get(projectId);
    if (!project) throw new Error(`No project ${projectId}`);
    const environment: Environment = options.target === "production" ? "production" : "preview";
    const vercelDeployment = store.createDeployment({
      name: project.name,
      projectId,
      target: environment === "production" ? "production" : null,
      ref: options.ref,
      sha: options.sha,
    });
    const actions: DeploymentAction[] = project.connections.flatMap((connection) => {
      const resource = state.resources.get(connection.resourceId);
      if (!resource || resource.deleted || !connection.environments.includes(environment))
        return [];
      return (connection.actions ?? []).map((action) => ({
        installationId: resource.installationId,
        resourceId: resource.id,
        action,
        status: "pending" as const,
      }));
    });
    const deployment: EmulatedDeployment = {
      id: vercelDeployment.id,
      projectId,
      url: vercelDeployment.url,
      target: vercelDeployment.target === "production" ? "production" : null,
      environment,
      ref: vercelDeployment.gitSource?.ref ?? "main",
      state: "provisioning",
      actions,
      env: {},
      createdAt: new Date().toISOString(),
    };
    // Registered before the webhooks go out: a fast partner may report before they are answered.
    this.deployments.set(deployment.id, deployment);
    if (options.checks) this.extraChecks.set(deployment.id, options.checks);
    await Promise.all([
      this.announce(deployment, "created"),
      ...actions.map((action) => this.startAction(deployment, action)),
    ]);
    this.settleIfDone(deployment);
    return deployment;
  }

  /** Called by the Vercel API fake after it accepted an action report. */
  actionReported(record: DeploymentActionRecord): void {
    const deployment = this.deployments.get(record.deploymentId);
    const action = deployment?.actions.find(
      (candidate) =>
        candidate.resourceId === record.resourceId && candidate.action === record.action,
    );
    if (!deployment || !action || deployment.state !== "provisioning") return;
    action.status = record.status ?? action.status;
    action.statusText = record.statusText;
    action.statusUrl = record.statusUrl;
    this.settleIfDone(deployment);
  }

  /** Cancels a deployment: unfinished actions get a cancel webhook and take no later report. */
  async cancel(id: string): Promise<EmulatedDeployment> {
    const deployment = this.require(id);
    if (deployment.state !== "provisioning") return deployment;
    const running = deployment.actions.filter((action) => !SETTLED.has(action.status));
    for (const action of running) {
      action.status = "canceled";
      const { installationId, resourceId, action: slug } = action;
      this.options.store.cancelAction({
        deploymentId: id,
        installationId,
        resourceId,
        action: slug,
      });
    }
    const announced = this.settle(deployment, "canceled");
    const book = checkRunsOf(this.options.store);
    const openRuns = (deployment.checkRuns ?? []).filter((run) => run.status !== "completed");
    for (const run of openRuns) book.cancel(run.id);
    await Promise.all([
      announced,
      ...running.map((action) => this.options.sendActionEvent("cancel", action, deployment.id)),
      ...openRuns.map((run) => this.options.checks?.send("cancel", run)),
    ]);
    return deployment;
  }

  /** Deletes a deployment for good: every action it started gets a cleanup webhook. */
  async remove(id: string): Promise<EmulatedDeployment> {
    const deployment = this.require(id);
    if (deployment.state === "deleted") return deployment;
    if (deployment.state === "provisioning") await this.cancel(id);
    void this.settle(deployment, "deleted");
    await Promise.all(
      deployment.actions.map((action) =>
        this.options.sendActionEvent("cleanup", action, deployment.id),
      ),
    );
    return deployment;
  }

  /** Resolves once the deployment is no longer provisioning, or rejects after `timeoutMs`. */
  waitUntilSettled(id: string, timeoutMs = 30_000): Promise<EmulatedDeployment> {
    const deployment = this.require(id);
    if (deployment.state !== "provisioning") return Promise.resolve(deployment);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Deployment ${id} still provisioning after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const waiters = this.waiters.get(id) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve(deployment);
      });
      this.waiters.set(id, waiters);
    });
  }

  private async startAction(deployment: EmulatedDeployment, action: DeploymentAction) {
    const result = await this.options.sendActionEvent("start", action, deployment.id);
    if (result.delivered || SETTLED.has(action.status)) return;
    // Vercel fails an action whose start it could not deliver; nothing else would ever end it.
    action.status = "failed";
    action.statusText = `The start webhook was not accepted (${result.attempts.map((a) => a.status).join(", ")})`;
  }

  private settleIfDone(deployment: EmulatedDeployment): void {
    if (deployment.state !== "provisioning") return;
    if (!deployment.actions.every((action) => SETTLED.has(action.status))) return;
    const failed = deployment.actions.some((action) => action.status !== "succeeded");
    if (failed) {
      void this.settle(deployment, "error");
      return;
    }
    // Blocking checks hold the promotion until they conclude; one that did not pass fails it.
    const checks = deployment.checkRuns ?? this.built(deployment);
    const blocking = checks.filter((run) => run.blocking);
    if (blocking.some((run) => run.conclusion && !PASSING.has(run.conclusion))) {
      void this.settle(deployment, "error");
      return;
    }
    if (blocking.some((run) => run.status !== "completed")) return;
    deployment.env = this.deploymentEnv(deployment);
    void this.settle(deployment, "ready");
  }

  /** The deployment is built (its actions all succeeded): `deployment.ready`, and its checks start. */
  private built(deployment: EmulatedDeployment): EmulatedCheckRun[] {
    void this.announce(deployment, "ready");
    const runs = this.createCheckRuns(deployment);
    deployment.checkRuns = runs;
    for (const run of runs) void this.startCheck(run);
    return runs;
  }

  /** A run per check the connected resources' products declare, and per check of this deploy. */
  private createCheckRuns(deployment: EmulatedDeployment): EmulatedCheckRun[] {
    const book = checkRunsOf(this.options.store);
    const { checks, state } = this.options;
    const project = state.projects.get(deployment.projectId);
    const extra = this.extraChecks.get(deployment.id) ?? [];
    return (project?.connections ?? []).flatMap((connection) => {
      const resource = state.resources.get(connection.resourceId);
      if (!checks || !resource || resource.deleted) return [];
      if (!connection.environments.includes(deployment.environment)) return [];
      return [...checks.declared(resource.id), ...extra].map((check) =>
        book.create({
          deploymentId: deployment.id,
          installationId: resource.installationId,
          resourceId: resource.id,
          name: check.name,
          blocking: check.blocking,
        }),
      );
    });
  }

  private async startCheck(run: EmulatedCheckRun) {
    const result = await this.options.checks?.send("start", run);
    if (!result || result.delivered || run.status === "completed") return;
    // As for actions: a run whose start was never accepted fails, or nothing would end it.
    checkRunsOf(this.options.store).update(run, {
      status: "completed",
      conclusion: "failed",
      conclusionText: "The start webhook was not accepted",
    });
  }

  private deploymentEnv(deployment: EmulatedDeployment): Record<string, string> {
    const { state, store } = this.options;
    const env = state.projectEnv(deployment.projectId, deployment.environment);
    const project = state.projects.get(deployment.projectId);
    for (const action of deployment.actions) {
      const record = store.action(deployment.id, action.resourceId, action.action);
      // The connection's prefix applies to outcome secrets as to the resource's (UNCONFIRMED).
      const prefix = project?.connections.find(
        (connection) => connection.resourceId === action.resourceId,
      )?.prefix;
      for (const outcome of record?.outcomes ?? []) {
        if (outcome.kind !== "resource-secrets") continue;
        Object.assign(env, secretsToEnv(outcome.secrets, deployment.environment, prefix));
      }
    }
    return env;
  }

  /** Settles the deployment; resolves once its lifecycle webhook (if any) was delivered. */
  private settle(deployment: EmulatedDeployment, state: DeploymentState): Promise<void> {
    deployment.state = state;
    deployment.settledAt = new Date().toISOString();
    const readyState = READY_STATES[state];
    const vercelDeployment = this.options.store.deployments.get(deployment.id);
    if (readyState && vercelDeployment) {
      this.options.store.deployments.set(deployment.id, {
        ...vercelDeployment,
        readyState,
        status: readyState,
      });
    }
    for (const wake of this.waiters.get(deployment.id) ?? []) wake();
    this.waiters.delete(deployment.id);
    const event = SETTLED_EVENTS[state];
    return event ? this.announce(deployment, event) : Promise.resolve();
  }

  /**
   * Sends `deployment.<event>` after the deployment's previous lifecycle delivery, when an
   * installation can see its project; resolves once it was delivered or given up on.
   */
  private announce(deployment: EmulatedDeployment, event: DeploymentEvent): Promise<void> {
    const { deliver, state, store } = this.options;
    const installations = this.installationsSeeing(deployment.projectId);
    const [first] = installations;
    if (!deliver || !first) return Promise.resolve();
    const vercelDeployment = store.deployments.get(deployment.id);
    const name = vercelDeployment?.name ?? state.projects.get(deployment.projectId)?.name ?? "";
    const payload = deploymentEventPayload(event, {
      id: deployment.id,
      url: deployment.url,
      name,
      target: deployment.target,
      projectId: deployment.projectId,
      meta: vercelDeployment?.meta ?? {},
      teamId: first.accountId,
      userId: first.userId,
      installationIds: installations.map((installation) => installation.id),
      alias: [`${name}-git-${deployment.ref}-${first.accountId}.vercel.app`],
    });
    const previous = this.announced.get(deployment.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      await deliver(`deployment.${event}`, payload);
    });
    this.announced.set(deployment.id, next);
    return next;
  }

  /** Installed installations with a live resource connected to the project. */
  private installationsSeeing(projectId: string) {
    const { state } = this.options;
    const ids = new Set(
      (state.projects.get(projectId)?.connections ?? []).flatMap((connection) => {
        const resource = state.resources.get(connection.resourceId);
        return resource && !resource.deleted ? [resource.installationId] : [];
      }),
    );
    return [...ids].flatMap((id) => {
      const installation = state.installations.get(id);
      return installation?.status === "installed" ? [installation] : [];
    });
  }

  private require(id: string): EmulatedDeployment {
    const deployment = this.deployments.get(id);
    if (!deployment) throw new Error(`No deployment ${id}`);
    return deployment;
  }
}

const SETTLED_EVENTS: Partial<Record<DeploymentState, DeploymentEvent>> = {
  ready: "succeeded",
  error: "error",
  canceled: "canceled",
};

const READY_STATES: Partial<Record<DeploymentState, VercelDeployment["readyState"]>> = {
  ready: "READY",
  error: "ERROR",
  canceled: "CANCELED",
};
