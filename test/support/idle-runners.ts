import pino from "pino";
import {
  type JobHandler,
  JobRunner,
  type JobRunnerOptions,
} from "../../packages/partnerkit/src/jobs/job-runner.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";

/** A poll far beyond a test's deadline: only a wake-up or a handoff gets a job run in time. */
export const NEVER_POLLS = 600_000;

/** Started job runners that poll too rarely to matter, for tests of how work reaches them. */
export class IdleRunners {
  private readonly started: JobRunner[] = [];

  start(
    store: Store,
    handlers: Record<string, JobHandler>,
    options: Pick<JobRunnerOptions, "concurrency" | "backoff"> = {},
  ): JobRunner {
    const runner = new JobRunner({
      store,
      log: pino({ level: "silent" }),
      handlers,
      pollMs: NEVER_POLLS,
      ...options,
    });
    runner.start();
    this.started.push(runner);
    return runner;
  }

  /** Stops them, the last started first; call it after each test, before closing their stores. */
  async stopAll(): Promise<void> {
    for (const runner of this.started.splice(0).reverse()) {
      await runner.stop({ graceMs: 100, settleMs: 100 });
    }
  }
}
