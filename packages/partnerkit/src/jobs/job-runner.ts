import type { Logger } from "pino";
import { groupCommit } from "../store/group-commit.ts";
import type { JobRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";

const DEFAULT_LEASE_MS = 15_000;

export type JobHandler = (job: JobRecord, signal: AbortSignal) => Promise<void>;

export interface JobRunnerOptions {
  store: Store;
  log: Logger;
  handlers: Record<string, JobHandler>;
  /** Jobs run at once in this process. */
  concurrency?: number;
  /** How long a claimed job is protected before another worker may take it over. */
  leaseMs?: number;
  /** Fallback polling period; work enqueued in this process is picked up at once through `kick()`. */
  pollMs?: number;
  backoff?: BackoffPolicy;
}

/**
 * Runs durable jobs from the store: claims due jobs (several processes may run one each), runs
 * the handler of their kind, and on failure re-queues them with backoff until their attempts are
 * spent, then leaves them dead for `partnerkit jobs` to show and retry.
 */
export class JobRunner {
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private pumping = false;
  private kicked = false;
  private pumpAgain = false;
  private stopped = true;
  /** Jobs finishing in the same tick are marked done in one write. */
  private readonly complete: (id: string) => Promise<void>;

  constructor(private readonly options: JobRunnerOptions) {
    this.complete = groupCommit(options.store, async (store, ids: string[]) => {
      await store.completeJobs(ids);
      return ids.map(() => undefined);
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.startHeartbeat();
    this.kick();
  }

  /**
   * A long job keeps its lease while this process lives; if the process dies, the lease runs
   * out within `leaseMs` and another worker (or this one, restarted) takes the job over.
   */
  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      this.options.store
        .extendJobLeases([...this.running.keys()], this.leaseMs)
        .catch((error: unknown) => {
          this.options.log.warn({ err: error }, "extending job leases failed");
        });
    }, this.leaseMs / 3);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Look for due work now (call after enqueueing). */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    if (this.kicked) return;
    // Kicks of one tick become one claim, run after the current I/O callbacks: a webhook's
    // answer is written before its job starts.
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.pump();
    });
  }

  /** Stops claiming, waits for the jobs in flight (aborted after `graceMs`). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopHeartbeat();
    const grace = setTimeout(() => this.abort.abort(new Error("shutting down")), graceMs);
    await Promise.allSettled(this.running.values());
    clearTimeout(grace);
  }

  /**
   * Runs everything due until nothing is left, or until `deadline` (a `Date.now()` time): after
   * it no more jobs are claimed and those already claimed are awaited; the rest stays queued.
   * Returns how many jobs ran. For tests, one-shot commands and a serverless host's cron tick.
   */
  async drain(deadline = Number.POSITIVE_INFINITY): Promise<number> {
    // Without start() (a cron tick) nothing else renews the leases of the jobs run here.
    const ownHeartbeat = this.heartbeat === undefined;
    if (ownHeartbeat) this.startHeartbeat();
    try {
      let ran = 0;
      for (;;) {
        const claimed = Date.now() < deadline ? await this.claim() : [];
        ran += claimed.length;
        if (claimed.length === 0 && this.running.size === 0) return ran;
        await Promise.allSettled([
          ...claimed.map((job) => this.run(job)),
          ...this.running.values(),
        ]);
      }
    } finally {
      if (ownHeartbeat) this.stopHeartbeat();
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const free = this.freeSlots();
        const claimed = await this.claim();
        for (const job of claimed) void this.run(job).finally(() => this.kick());
        // A full batch may have left more behind; a short one means the queue is empty now.
        if (claimed.length === free && free > 0) this.pumpAgain = true;
      } while (this.pumpAgain && !this.stopped && this.freeSlots() > 0);
    } catch (error) {
      this.options.log.error({ err: error }, "claiming jobs failed");
    } finally {
      this.pumping = false;
      this.schedule();
    }
  }

  private async claim(): Promise<JobRecord[]> {
    const free = this.freeSlots();
    if (free <= 0) return [];
    const kinds = Object.keys(this.options.handlers);
    return this.options.store.claimJobs(free, this.leaseMs, kinds);
  }

  private freeSlots(): number {
    return (this.options.concurrency ?? 8) - this.running.size;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), this.options.pollMs ?? 1_000);
    this.timer.unref();
  }

  private run(job: JobRecord): Promise<void> {
    const execution = this.execute(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, execution);
    return execution;
  }

  private async execute(job: JobRecord): Promise<void> {
    const { store, log } = this.options;
    const handler = this.options.handlers[job.kind];
    const jobLog = log.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    try {
      if (!handler) throw new Error(`No handler for job kind ${job.kind}`);
      await handler(job, this.abort.signal);
      await this.complete(job.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retry = job.attempts < job.maxAttempts;
      const retryAt = retry
        ? new Date(Date.now() + backoffDelay(job.attempts, this.options.backoff ?? DEFAULT_BACKOFF))
        : undefined;
      await store.failJob(job.id, message, retryAt).catch((failure: unknown) => {
        jobLog.error({ err: failure }, "recording a job failure failed");
      });
      jobLog[retry ? "warn" : "error"](
        { err: error, retryAt },
        retry ? "job failed, will retry" : "job is dead",
      );
    }
  }
}
