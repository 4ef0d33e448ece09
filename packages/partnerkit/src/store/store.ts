import type { Notification, Secret } from "../protocol/common.ts";
import type { BillingQueries } from "./billing-queries.ts";
import type {
  ActionRunChange,
  ActionRunRecord,
  ActionTarget,
  IdempotencyClaim,
  IdempotencyRequest,
  IdempotencyScope,
  InstallationRecord,
  InstallationUpsert,
  JobRecord,
  NewJob,
  NewResource,
  ResourceChanges,
  ResourceRecord,
  StoredResponse,
  StoredWebhookEvent,
} from "./records.ts";
import type { RotationQueries } from "./rotation-queries.ts";
import type { TransferQueries } from "./transfer-queries.ts";

/** Everything the framework persists. Implemented over Kysely for SQLite and PostgreSQL. */
export interface Store {
  readonly engine: "sqlite" | "postgres";
  /** Usage counters, invoices and prepaid credits (see billing-queries.ts). */
  readonly billing: BillingQueries;
  /** Runs `work` in one transaction; the store it receives writes inside that transaction. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;

  /**
   * `freshAsOf`, on the reads a request makes: when it arrived (`performance.now()`). With it, on
   * SQLite, the read may be served from memory and reflects every commit made before that moment
   * (see `Database.changeCounter`); without it, the read goes to the table.
   */
  getInstallation(id: string, freshAsOf?: number): Promise<InstallationRecord | undefined>;
  /** Creates or updates; an existing installation keeps its plan and notification. */
  upsertInstallation(input: InstallationUpsert): Promise<InstallationRecord>;
  setInstallationPlan(id: string, billingPlanId: string | null): Promise<void>;
  markInstallationDeleted(id: string): Promise<void>;
  installationCredentials(
    id: string,
  ): Promise<{ accessToken: string; tokenType: string } | undefined>;

  /** `freshAsOf`: as for `getInstallation`. */
  getResource(
    installationId: string,
    id: string,
    freshAsOf?: number,
  ): Promise<ResourceRecord | undefined>;
  /** Both reads of a call on a resource, with one freshness check; `freshAsOf` as above. */
  getResourceWithInstallation(
    installationId: string,
    id: string,
    freshAsOf?: number,
  ): Promise<{ installation?: InstallationRecord; resource?: ResourceRecord }>;
  listResources(installationId: string): Promise<ResourceRecord[]>;
  insertResource(resource: NewResource): Promise<ResourceRecord>;
  updateResource(id: string, changes: ResourceChanges): Promise<void>;
  markResourceDeleted(id: string): Promise<void>;
  resourceSecrets(id: string): Promise<Secret[]>;

  /**
   * Reserves an Idempotency-Key for one request. Only the caller that gets `claimed` runs the
   * request; a claim left by a crashed process can be taken over once its lease has run out.
   */
  claimIdempotencyKey(request: IdempotencyRequest, leaseMs: number): Promise<IdempotencyClaim>;
  completeIdempotencyKey(scope: IdempotencyScope, response: StoredResponse): Promise<void>;
  releaseIdempotencyKey(scope: IdempotencyScope): Promise<void>;
  /** Drops keys created before `before` (ISO timestamp); returns how many. */
  pruneIdempotencyKeys(before: string): Promise<number>;

  /** Stores a webhook delivery; false when its id was seen before (a duplicate). */
  recordWebhookEvent(event: Omit<StoredWebhookEvent, "receivedAt">): Promise<boolean>;
  /** Stores several deliveries in one statement; for each, whether it is new. */
  recordWebhookEvents(events: Omit<StoredWebhookEvent, "receivedAt">[]): Promise<boolean[]>;
  getWebhookEvent(id: string): Promise<StoredWebhookEvent | undefined>;
  /** Drops deliveries received before `before` whose job is gone or succeeded; returns how many. */
  pruneWebhookEvents(before: string): Promise<number>;

  /** Adds a job; with a `dedupeKey` already present, nothing is added and undefined comes back. */
  enqueueJob(job: NewJob): Promise<JobRecord | undefined>;
  /** `enqueueJob` for several jobs in one statement. */
  enqueueJobs(jobs: NewJob[]): Promise<(JobRecord | undefined)[]>;
  /**
   * Takes up to `limit` due jobs (queued and due, or running with an expired lease) and marks them
   * running until `leaseMs` from now. On PostgreSQL, concurrent workers never take the same job.
   */
  claimJobs(limit: number, leaseMs: number, kinds?: string[]): Promise<JobRecord[]>;
  completeJobs(ids: string[]): Promise<void>;
  /** Drops jobs that succeeded before `before` (ISO timestamp); returns how many. */
  pruneSucceededJobs(before: string): Promise<number>;
  /** Records a failure: back to queued at `retryAt`, or dead when `retryAt` is undefined. */
  failJob(id: string, error: string, retryAt: Date | undefined): Promise<void>;
  listJobs(filter?: { status?: JobRecord["status"]; kind?: string }): Promise<JobRecord[]>;
  /** Puts a dead (or any) job back in the queue now, with its attempts reset. */
  requeueJob(id: string): Promise<boolean>;
  /** The earliest `run_at` of queued jobs, to know when to look again. */
  nextJobDue(): Promise<string | undefined>;
  /** Keeps the lease of jobs still running in this process. */
  extendJobLeases(ids: string[], leaseMs: number): Promise<void>;

  /**
   * Records a deployment action run, started by the delivery `startedBy`; an existing run for the
   * same target is returned as is.
   */
  createActionRun(
    target: ActionTarget,
    startedBy?: string,
  ): Promise<{ run: ActionRunRecord; created: boolean }>;
  getActionRun(target: Omit<ActionTarget, "installationId">): Promise<ActionRunRecord | undefined>;
  /**
   * Moves a run to another status only from one of `from`; false when it was elsewhere (e.g.
   * canceled meanwhile), which is how exactly one final status is reached.
   */
  transitionActionRun(
    id: string,
    from: ActionRunRecord["status"][],
    to: ActionRunChange,
  ): Promise<boolean>;
  markActionRunReported(id: string): Promise<void>;
  markActionRunCleanedUp(id: string): Promise<void>;

  replaceResourceSecrets(id: string, secrets: Secret[]): Promise<void>;
  setInstallationNotification(id: string, notification: Notification | null): Promise<void>;
  replaceInstallationCredentials(
    id: string,
    credentials: { access_token: string; token_type: string },
  ): Promise<void>;
  readonly rotations: RotationQueries;
  readonly transfers: TransferQueries;
}
