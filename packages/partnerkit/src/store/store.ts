import type { Notification, Secret } from "../protocol/common.ts";
import type { BillingQueries } from "./billing-queries.ts";
import type { CheckRunQueries } from "./check-run-queries.ts";
import type { ConfigurationQueries } from "./configuration-queries.ts";
import type { FlagSyncQueries } from "./flag-sync-queries.ts";
import type { InstallationLifecycleQueries } from "./installation-lifecycle-queries.ts";
import type { ClaimOptions } from "./job-queries.ts";
import type { JobsQueuedListener } from "./job-wakeups.ts";
import type { MemberQueries } from "./member-queries.ts";
import type {
  ActionRunChange,
  ActionRunRecord,
  ActionTarget,
  IdempotencyClaim,
  IdempotencyRequest,
  IdempotencyScope,
  InstallationRecord,
  InstallationUpsert,
  JobLease,
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
  /** Several installations in one read, by id (those that exist). */
  getInstallations(ids: string[]): Promise<Map<string, InstallationRecord>>;
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
  /** The installation and all its resources (deleted ones too, in creation order), read together. */
  getInstallationWithResources(
    installationId: string,
    freshAsOf?: number,
  ): Promise<{ installation?: InstallationRecord; resources: ResourceRecord[] }>;
  insertResource(resource: NewResource): Promise<ResourceRecord>;
  updateResource(id: string, changes: ResourceChanges): Promise<void>;
  markResourceDeleted(id: string): Promise<void>;
  resourceSecrets(id: string): Promise<Secret[]>;

  /**
   * Reserves an Idempotency-Key for one request, recorded under `owner` (unique per request). Only
   * the caller that gets `claimed` runs the request; it renews the lease while it runs, and a
   * claim left by a crashed process can be taken over once its lease has run out.
   */
  claimIdempotencyKey(
    request: IdempotencyRequest,
    leaseMs: number,
    owner: string,
  ): Promise<IdempotencyClaim>;
  /** Extends `owner`'s pending claim by `leaseMs`; false when the claim is no longer its own. */
  renewIdempotencyKey(scope: IdempotencyScope, owner: string, leaseMs: number): Promise<boolean>;
  /** Stores the answer; does nothing unless `owner` still holds the pending claim. */
  completeIdempotencyKey(
    scope: IdempotencyScope,
    owner: string,
    response: StoredResponse,
  ): Promise<void>;
  /** Drops the pending claim so a retry runs afresh; does nothing unless `owner` holds it. */
  releaseIdempotencyKey(scope: IdempotencyScope, owner: string): Promise<void>;
  /** Drops keys created before `before` (ISO timestamp); returns how many. */
  pruneIdempotencyKeys(before: string): Promise<number>;

  /** Stores a webhook delivery; false when its id was seen before (a duplicate). */
  recordWebhookEvent(event: Omit<StoredWebhookEvent, "receivedAt">): Promise<boolean>;
  /** Stores several deliveries in one statement; for each, whether it is new. */
  recordWebhookEvents(events: Omit<StoredWebhookEvent, "receivedAt">[]): Promise<boolean[]>;
  getWebhookEvent(id: string): Promise<StoredWebhookEvent | undefined>;
  /** Several deliveries in one read, by id (those stored). */
  getWebhookEvents(ids: string[]): Promise<Map<string, StoredWebhookEvent>>;
  /** Drops deliveries received before `before` whose job is gone or succeeded; returns how many. */
  pruneWebhookEvents(before: string): Promise<number>;

  /** Adds a job; with a `dedupeKey` already present, nothing is added and undefined comes back. */
  enqueueJob(job: NewJob): Promise<JobRecord | undefined>;
  /** `enqueueJob` for several jobs in one statement. */
  enqueueJobs(jobs: NewJob[]): Promise<(JobRecord | undefined)[]>;
  /**
   * Calls `listener` soon after jobs are queued (enqueued, handed back, retried) by this process,
   * and on PostgreSQL by any process sharing the database, with their kinds when they are known;
   * returns a function that stops it.
   */
  onJobsQueued(listener: JobsQueuedListener): () => void;
  /**
   * Takes up to `limit` due jobs of `kinds` (all kinds when undefined) for `owner` (a fresh id when
   * undefined): each becomes running until `leaseMs` from now, with one more attempt and a new
   * lease epoch. A running job whose lease ran out is queued again first (unless
   * `requeueExpired` is false), or dead when that was its last attempt. On PostgreSQL, concurrent
   * workers never take the same job.
   */
  claimJobs(
    limit: number,
    leaseMs: number,
    kinds?: string[],
    owner?: string,
    options?: ClaimOptions,
  ): Promise<JobRecord[]>;
  /** Marks jobs succeeded where `leases` still hold; for each, whether it did. */
  completeHeldJobs(leases: JobLease[]): Promise<boolean[]>;
  /** Records a failure where `lease` still holds: queued again at `retryAt`, or dead without. */
  failHeldJob(lease: JobLease, error: string, retryAt: Date | undefined): Promise<boolean>;
  /** Queues jobs whose run a shutdown interrupted, due now, with that attempt given back. */
  releaseHeldJobs(leases: JobLease[]): Promise<boolean[]>;
  /** Renews the leases still held; returns the ids of the jobs whose lease was lost. */
  extendJobLeases(leases: JobLease[], leaseMs: number): Promise<string[]>;
  /** Drops jobs that succeeded before `before` (ISO timestamp); returns how many. */
  pruneSucceededJobs(before: string): Promise<number>;
  listJobs(filter?: { status?: JobRecord["status"]; kind?: string }): Promise<JobRecord[]>;
  /** Puts a dead (or any) job back in the queue now, with its attempts reset. */
  requeueJob(id: string): Promise<boolean>;
  /**
   * The earliest `run_at` of the queued jobs of each of `kinds` (those that have any), due already
   * or not: when to claim next.
   */
  nextJobsDue(kinds: readonly string[]): Promise<Map<string, string>>;

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
   * Moves a run to another status only from one of `from` (and, with `unreportedOnly`, only while
   * its final status has not reached Vercel); false when it was elsewhere (e.g. canceled
   * meanwhile), which is how exactly one final status is reached.
   */
  transitionActionRun(
    id: string,
    from: ActionRunRecord["status"][],
    to: ActionRunChange,
    unreportedOnly?: boolean,
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
  /** Deployment check runs (see check-run-queries.ts). */
  readonly checkRuns: CheckRunQueries;
  /** Install/uninstall lock and `onInstall` completion (see installation-lifecycle-queries.ts). */
  readonly lifecycle: InstallationLifecycleQueries;
  /** Installation members from `marketplace.member.changed` (see member-queries.ts). */
  readonly members: MemberQueries;
  /** Scopes and owner changes from `integration-configuration.*` webhooks. */
  readonly configurations: ConfigurationQueries;
  /** Experimentation items and flags configurations to sync to Vercel (see flag-sync-queries.ts). */
  readonly flags: FlagSyncQueries;
}
