import type { CheckRunConclusion } from "../protocol/check-webhooks.ts";
/** Row shapes of the framework's tables. JSON columns hold text; timestamps are ISO-8601 UTC text. */
export interface InstallationsTable {
  id: string;
  account_id: string | null;
  installer_user_id: string | null;
  scopes: string;
  accepted_policies: string;
  account: string;
  credentials: string;
  billing_plan_id: string | null;
  notification: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/**
 * Every column of a table, named: checked against the table's type, so a column added to the type
 * and missing here does not compile. For statements that must not `SELECT *` (see
 * prepared-statements.ts).
 */
function everyColumn<Table>() {
  return <const Names extends readonly (keyof Table & string)[]>(
    names: Names & (Exclude<keyof Table, Names[number]> extends never ? unknown : never),
  ): Names => names;
}

export const INSTALLATION_COLUMNS = everyColumn<InstallationsTable>()([
  "id",
  "account_id",
  "installer_user_id",
  "scopes",
  "accepted_policies",
  "account",
  "credentials",
  "billing_plan_id",
  "notification",
  "created_at",
  "updated_at",
  "deleted_at",
]);

export interface InvoicedPeriodsTable {
  installation_id: string;
  period_start: string;
  updated_at: string;
}

export interface ResourcesTable {
  id: string;
  installation_id: string;
  product_id: string;
  name: string;
  metadata: string;
  status: string;
  billing_plan_id: string;
  notification: string | null;
  protocol_settings: string | null;
  external_id: string | null;
  secrets: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export const RESOURCE_COLUMNS = everyColumn<ResourcesTable>()([
  "id",
  "installation_id",
  "product_id",
  "name",
  "metadata",
  "status",
  "billing_plan_id",
  "notification",
  "protocol_settings",
  "external_id",
  "secrets",
  "created_at",
  "updated_at",
  "deleted_at",
]);

export interface IdempotencyKeysTable {
  installation_id: string;
  method: string;
  path: string;
  key: string;
  request_hash: string;
  caller_account: string | null;
  state: "pending" | "done";
  /** The request holding a pending claim; null on claims made before owners were recorded. */
  owner: string | null;
  response_status: number | null;
  response_body: string | null;
  locked_until: string;
  created_at: string;
}

export interface WebhookEventsTable {
  id: string;
  type: string;
  payload: string;
  created_at_ms: number;
  received_at: string;
}

export const WEBHOOK_EVENT_COLUMNS = everyColumn<WebhookEventsTable>()([
  "id",
  "type",
  "payload",
  "created_at_ms",
  "received_at",
]);

export type JobStatus = "queued" | "running" | "succeeded" | "dead";

export interface JobsTable {
  id: string;
  kind: string;
  dedupe_key: string | null;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_until: string | null;
  /** The runner that holds the lease (while running) or last held it. */
  owner: string | null;
  /** Bumped by every claim: a write naming an older epoch comes from a lease that was lost. */
  lease_epoch: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export const JOB_COLUMNS = everyColumn<JobsTable>()([
  "id",
  "kind",
  "dedupe_key",
  "payload",
  "status",
  "attempts",
  "max_attempts",
  "run_at",
  "locked_until",
  "owner",
  "lease_epoch",
  "last_error",
  "created_at",
  "updated_at",
]);

export type ActionRunStatus = "queued" | "running" | "succeeded" | "failed" | "canceled";

export interface ActionRunsTable {
  id: string;
  installation_id: string;
  deployment_id: string;
  resource_id: string;
  action: string;
  status: ActionRunStatus;
  status_text: string | null;
  /** Sealed JSON of the outcomes: they hold credentials. */
  outcome: string | null;
  reported: number;
  cleaned_up: number;
  /** Id of the webhook delivery whose start created the run; null when a cancel came first. */
  started_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface UsageCountersTable {
  resource_id: string;
  meter: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  value: number;
  updated_at: string;
}

export interface InstallationUsageCountersTable {
  installation_id: string;
  meter: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  value: number;
  updated_at: string;
}

export interface BillingPlanChangesTable {
  subject_type: "resource" | "installation";
  subject_id: string;
  /** The plan from `changed_at` on; null for an installation without one. */
  billing_plan_id: string | null;
  changed_at: string;
}

/** From `since` on, `installation_id` owned the resource (creation, then each transfer). */
export interface ResourceOwnersTable {
  resource_id: string;
  installation_id: string;
  since: string;
}

export interface BillingInvoicesTable {
  /**
   * Ours and deterministic (resource, plan, period), unique per installation: Vercel dedupes on
   * it within an installation (spec §5.13).
   */
  external_id: string;
  installation_id: string;
  /** "" for an installation-level invoice (spec §10). */
  resource_id: string;
  billing_plan_id: string;
  period_start: string;
  period_end: string;
  /** The Submit Invoice body as first built: a retry sends exactly the same. */
  request: string;
  total_cents: number;
  vercel_invoice_id: string | null;
  /** `unsent` until Vercel accepted it, then Vercel's invoice state. */
  state: string;
  created_at: string;
  updated_at: string;
}

export type SecretRotationStatus = "requested" | "rotated" | "completed" | "failed";

export interface SecretRotationsTable {
  id: string;
  installation_id: string;
  resource_id: string;
  status: SecretRotationStatus;
  reason: string | null;
  delay_hours: number;
  /** Sealed JSON of the secrets the rotation replaces: they stay valid until `expires_at`. */
  previous_secrets: string;
  /** End of the old secrets' grace period, set once Vercel has the new ones. */
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface BalanceCreditsTable {
  invoice_id: string;
  pot: string;
  installation_id: string;
  cents: number;
  created_at: string;
}

export interface ResourceTransfersTable {
  id: string;
  source_installation_id: string;
  resource_ids: string;
  expires_at_ms: number;
  status: "pending" | "completed";
  target_installation_id: string | null;
  created_at: string;
  completed_at: string | null;
}

/** Migration 0014 (see there); `role` NONE marks a removed member. */
export interface MembersTable {
  installation_id: string;
  member_id: string;
  role: "ADMIN" | "USER" | "NONE";
  global_user_id: string | null;
  user_email: string | null;
  /** Time of the event that last set the row, in ms (read it through `Number()`: bigint). */
  changed_at_ms: number;
  event_id: string;
  created_at: string;
  updated_at: string;
}

export type Tables = {
  installations: InstallationsTable;
  invoiced_periods: InvoicedPeriodsTable;
  resources: ResourcesTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_events: WebhookEventsTable;
  jobs: JobsTable;
  action_runs: ActionRunsTable;
  check_runs: CheckRunsTable;
  usage_counters: UsageCountersTable;
  installation_usage_counters: InstallationUsageCountersTable;
  billing_plan_changes: BillingPlanChangesTable;
  resource_owners: ResourceOwnersTable;
  billing_invoices: BillingInvoicesTable;
  balance_credits: BalanceCreditsTable;
  secret_rotations: SecretRotationsTable;
  resource_transfers: ResourceTransfersTable;
  members: MembersTable;
  flag_sync_items: FlagSyncItemsTable;
  flag_sync_resources: FlagSyncResourcesTable;
};

/** Deployment check runs (migration 0015, see check-run-queries.ts). */
export interface CheckRunsTable {
  id: string;
  installation_id: string;
  deployment_id: string;
  resource_id: string | null;
  vercel_run_id: string;
  vercel_check_id: string | null;
  check_name: string | null;
  attempt: number;
  status: "queued" | "running" | "completed";
  conclusion: CheckRunConclusion | null;
  conclusion_text: string | null;
  output: string | null;
  external_url: string | null;
  reported: number;
  started_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Experimentation items to sync to Vercel (migration 0016, see flag-sync-queries.ts). */
export interface FlagSyncItemsTable {
  resource_id: string;
  item_id: string;
  /** The item without its id, as canonical JSON; null once removed. */
  item: string | null;
  version: number;
  sent_version: number;
  /** 1 when Vercel has (or may have) the item: it is then updated or deleted, not created. */
  known_to_vercel: number;
  updated_at: string;
}

/** A resource's flags configuration and sync lease (migration 0016, see flag-sync-queries.ts). */
export interface FlagSyncResourcesTable {
  resource_id: string;
  config: string | null;
  config_digest: string | null;
  pushed_digest: string | null;
  pushed_edge_config_id: string | null;
  push_not_before: string | null;
  revision: number;
  lock_owner: string | null;
  locked_until: string | null;
  updated_at: string;
}
