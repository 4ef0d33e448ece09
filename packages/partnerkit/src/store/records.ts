import type {
  JsonObject,
  Notification,
  ProtocolSettings,
  ResourceStatus,
  Secret,
} from "../protocol/common.ts";
import type { UpsertInstallationRequest } from "../protocol/installations.ts";
import type { SecretRotationStatus } from "./tables.ts";

/** An installation as the framework sees it. The access token is not here: see `installationCredentials`. */
export interface InstallationRecord {
  id: string;
  accountId: string | null;
  installerUserId: string | null;
  scopes: string[];
  acceptedPolicies: Record<string, string>;
  account: UpsertInstallationRequest["account"];
  billingPlanId: string | null;
  notification: Notification | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface InstallationUpsert {
  id: string;
  accountId: string | null;
  installerUserId: string | null;
  scopes: string[];
  acceptedPolicies: Record<string, string>;
  account: UpsertInstallationRequest["account"];
  credentials: UpsertInstallationRequest["credentials"];
  /** Plan assigned when the installation is created; an existing installation keeps its own. */
  defaultBillingPlanId: string | null;
}

export interface ResourceRecord {
  id: string;
  installationId: string;
  productId: string;
  name: string;
  metadata: JsonObject;
  status: ResourceStatus;
  billingPlanId: string;
  notification: Notification | null;
  protocolSettings: ProtocolSettings | null;
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export type NewResource = Omit<ResourceRecord, "createdAt" | "updatedAt" | "deletedAt"> & {
  secrets: Secret[];
};

export type ResourceChanges = Partial<
  Pick<
    ResourceRecord,
    "name" | "metadata" | "status" | "billingPlanId" | "notification" | "protocolSettings"
  >
>;

export interface IdempotencyScope {
  installationId: string;
  method: string;
  path: string;
  key: string;
}

/** One request under a key: its body fingerprint and the account of the token that sent it. */
export interface IdempotencyRequest extends IdempotencyScope {
  requestHash: string;
  callerAccount: string | null;
}

export interface StoredResponse {
  status: number;
  body: string | null;
}

export type IdempotencyClaim =
  | { outcome: "claimed" }
  | { outcome: "replay"; response: StoredResponse }
  | { outcome: "mismatch" }
  | { outcome: "other_caller" }
  | { outcome: "in_progress" };

export interface StoredWebhookEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: number;
  receivedAt: string;
}

export interface NewJob {
  kind: string;
  payload: unknown;
  /** A second job with the same key is not created while the first exists. */
  dedupeKey?: string;
  /** When to run it; now by default. */
  runAt?: Date;
  maxAttempts?: number;
  /**
   * Queued already claimed by this runner (owner) for `leaseMs`, its first attempt begun, as a
   * claim would leave it: the runner starts it without claiming it (see `JobRunner.reserve`).
   */
  heldBy?: JobHolder;
}

/** A runner's id and how long its leases last. */
export interface JobHolder {
  owner: string;
  leaseMs: number;
}

export interface JobRecord {
  id: string;
  kind: string;
  dedupeKey: string | null;
  payload: unknown;
  status: "queued" | "running" | "succeeded" | "dead";
  /** Claims so far, the current one included: a lease that ran out counts as an attempt. */
  attempts: number;
  maxAttempts: number;
  runAt: string;
  /** The runner holding (or that last held) the job's lease. */
  owner: string | null;
  /** The claim's number; with `owner`, what every write by the claim's holder is checked against. */
  leaseEpoch: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a claim's holder names in each write of its job (a claimed `JobRecord` is one). */
export type JobLease = Pick<JobRecord, "id" | "owner" | "leaseEpoch">;

export interface ActionTarget {
  installationId: string;
  deploymentId: string;
  resourceId: string;
  action: string;
}

export interface ActionOutcome {
  kind: string;
  secrets: { name: string; value: string }[];
}

/** A status change of a run, with what it reported. */
export interface ActionRunChange {
  status: ActionRunRecord["status"];
  statusText?: string | null;
  outcomes?: ActionOutcome[] | null;
}

export interface ActionRunRecord extends ActionTarget {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "canceled";
  statusText: string | null;
  outcomes: ActionOutcome[] | null;
  /** Whether the final status reached Vercel. */
  reported: boolean;
  /**
   * The delivery whose start created the run. Only that delivery's job (and its retries, e.g.
   * after a crash) runs and reports it; a start redelivered under another event id is a no-op.
   */
  startedBy: string | null;
  cleanedUp: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SecretRotationRecord {
  id: string;
  installationId: string;
  resourceId: string;
  /**
   * The new secrets: `requested` → `rotated` (stored here) → `completed` (Vercel has them), or
   * `failed` when the hook refused or the resource went away.
   */
  status: SecretRotationStatus;
  reason: string | null;
  delayHours: number;
  /** The secrets the rotation replaces, valid until `expiresAt`. */
  previousSecrets: Secret[];
  expiresAt: string | null;
  /** When the provider's `revoke` made the previous secrets stop working. */
  revokedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewSecretRotation = Pick<
  SecretRotationRecord,
  "installationId" | "resourceId" | "status" | "reason" | "delayHours" | "previousSecrets"
>;

export interface TransferRecord {
  /** The `providerClaimId`. */
  id: string;
  sourceInstallationId: string;
  resourceIds: string[];
  /** Epoch milliseconds after which the claim cannot be accepted. */
  expiresAt: number;
  status: "pending" | "completed";
  targetInstallationId: string | null;
  createdAt: string;
  completedAt: string | null;
}
