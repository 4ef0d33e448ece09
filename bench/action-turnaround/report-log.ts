/** One status report about a deployment's action or check run, as it reached the emulated API. */
export interface StatusReport {
  deploymentId: string;
  /** The body's `status` (`running`, `succeeded`, `completed`…), `(none)` without one. */
  status: string;
  /** A check run's `conclusion`, sent with `status: completed`. */
  conclusion?: string;
  /** `performance.now()` in the bench process when the request arrived. */
  at: number;
  authorization: string | undefined;
}

/** Whether a report ended its work successfully: an action `succeeded`, a check concluded so. */
export const reportedSuccess = (report: StatusReport) =>
  report.status === "succeeded" || report.conclusion === "succeeded";

/**
 * The reports of one kind of work (actions, check runs), by deployment, in arrival order; a
 * deployment's first final report wakes whoever waits for it.
 */
export class ReportLog {
  private readonly byDeployment = new Map<string, StatusReport[]>();
  private readonly waiters = new Map<string, (report: StatusReport) => void>();

  constructor(readonly isFinal: (report: StatusReport) => boolean) {}

  add(report: StatusReport): void {
    const list = this.byDeployment.get(report.deploymentId) ?? [];
    list.push(report);
    this.byDeployment.set(report.deploymentId, list);
    if (this.isFinal(report)) this.waiters.get(report.deploymentId)?.(report);
  }

  /** Every report about the deployment, in arrival order. */
  of(deploymentId: string): readonly StatusReport[] {
    return this.byDeployment.get(deploymentId) ?? [];
  }

  /** Deployment ids that received any report. */
  deployments(): IterableIterator<string> {
    return this.byDeployment.keys();
  }

  /** Resolves with the deployment's first final report, or `undefined` after `timeoutMs`. */
  waitForFinal(deploymentId: string, timeoutMs: number): Promise<StatusReport | undefined> {
    const arrived = this.of(deploymentId).find(this.isFinal);
    if (arrived) return Promise.resolve(arrived);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(deploymentId);
        resolve(undefined);
      }, timeoutMs);
      // A wait nobody awaits any more (its webhook was rejected) must not hold the bench open.
      timer.unref();
      this.waiters.set(deploymentId, (report) => {
        clearTimeout(timer);
        this.waiters.delete(deploymentId);
        resolve(report);
      });
    });
  }
}
