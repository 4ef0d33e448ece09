import type { VercelDeployment } from "../protocol/vercel-api.ts";
import { type Environment, secretsToEnv } from "./env-vars.ts";
import type { EmulatorState } from "./state.ts";
import { checkRunsOf, type EmulatedCheckRun } from "./vercel-api/routes/checks.ts";
import type { ActionStatus, DeploymentActionRecord, VercelApiState } from "./vercel-api/store.ts";
import type { DeliveryResult } from "./webhook-sender.ts";

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
 */
export class DeploymentSimulator {
  private readonly deployments = new Map<string, EmulatedDeployment>();
  private readonly waiters = new Map<string, Array<() => void>>();

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
    await Promise.all(actions.map((action) => this.startAction(deployment, action)));
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
    this.settle(deployment, "canceled");
    const book = checkRunsOf(this.options.store);
    const openRuns = (deployment.checkRuns ?? []).filter((run) => run.status !== "completed");
    for (const run of openRuns) book.cancel(run.id);
    await Promise.all([
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
    this.settle(deployment, "deleted");
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
      this.settle(deployment, "error");
      return;
    }
    // Blocking checks hold the promotion until they conclude; one that did not pass fails it.
    const checks = this.checkRunsOf(deployment);
    const blocking = checks.filter((run) => run.blocking);
    if (blocking.some((run) => run.conclusion && !PASSING.has(run.conclusion))) {
      this.settle(deployment, "error");
      return;
    }
    if (blocking.some((run) => run.status !== "completed")) return;
    deployment.env = this.deploymentEnv(deployment);
    this.settle(deployment, "ready");
  }

  /** The deployment's check runs, created and started the first time its actions all succeeded. */
  private checkRunsOf(deployment: EmulatedDeployment): EmulatedCheckRun[] {
    if (deployment.checkRuns) return deployment.checkRuns;
    const book = checkRunsOf(this.options.store);
    const { checks, state } = this.options;
    const project = state.projects.get(deployment.projectId);
    const runs = (project?.connections ?? []).flatMap((connection) => {
      const resource = state.resources.get(connection.resourceId);
      if (!checks || !resource || resource.deleted) return [];
      if (!connection.environments.includes(deployment.environment)) return [];
      return checks.declared(resource.id).map((check) =>
        book.create({
          deploymentId: deployment.id,
          installationId: resource.installationId,
          resourceId: resource.id,
          name: check.name,
          blocking: check.blocking,
        }),
      );
    });
    deployment.checkRuns = runs;
    for (const run of runs) void this.startCheck(run);
    return runs;
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

  private settle(deployment: EmulatedDeployment, state: DeploymentState): void {
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
  }

  private require(id: string): EmulatedDeployment {
    const deployment = this.deployments.get(id);
    if (!deployment) throw new Error(`No deployment ${id}`);
    return deployment;
  }
}

const READY_STATES: Partial<Record<DeploymentState, VercelDeployment["readyState"]>> = {
  ready: "READY",
  error: "ERROR",
  canceled: "CANCELED",
};
