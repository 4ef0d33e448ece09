import { type Kysely, type Selectable, sql } from "kysely";
import type { Notification, Secret } from "../protocol/common.ts";
import { ActionRunQueries } from "./action-run-queries.ts";
import { BillingQueries } from "./billing-queries.ts";
import { CheckRunQueries } from "./check-run-queries.ts";
import { ConfigurationQueries } from "./configuration-queries.ts";
import type { Database } from "./database.ts";
import { FlagSyncQueries } from "./flag-sync-queries.ts";
import { InstallationLifecycleQueries } from "./installation-lifecycle-queries.ts";
import * as jobs from "./job-queries.ts";
import type { JobsQueuedListener, JobWakeups } from "./job-wakeups.ts";
import { MemberQueries } from "./member-queries.ts";
import { migrations } from "./migrations/index.ts";
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
import { reusableQuery } from "./reusable-query.ts";
import { RotationQueries } from "./rotation-queries.ts";
import { runMigrations } from "./run-migrations.ts";
import { credentialsContext, idempotencyContext, secretsContext } from "./sealed-contexts.ts";
import type { SecretBox } from "./secret-box.ts";
import type { Store } from "./store.ts";
import {
  INSTALLATION_COLUMNS,
  type InstallationsTable,
  RESOURCE_COLUMNS,
  type ResourcesTable,
  type Tables,
} from "./tables.ts";
import { TransferQueries } from "./transfer-queries.ts";
import { deepFreeze, VersionedCache } from "./versioned-cache.ts";
import {
  getWebhookEvents,
  type NewWebhookEvent,
  pruneWebhookEvents,
  recordWebhookEvents,
} from "./webhook-event-queries.ts";

/** Applies the framework's migrations; safe to run on every start and from several processes. */
export function migrateStore(database: Database): Promise<void> {
  return runMigrations(database, migrations, "partnerkit_migration");
}

/** `clock` stamps created/updated/deleted times; tests inject one to run a simulated month. */
export function createStore(
  database: Database,
  secrets: SecretBox,
  clock: () => Date = () => new Date(),
): Store {
  return new KyselyStore(
    database.kysely.withTables<Tables>(),
    database.engine,
    secrets,
    false,
    clock,
    database.jobWakeups,
    database.changeCounter && {
      changeCounter: database.changeCounter,
      installations: new VersionedCache(),
      resources: new VersionedCache(),
    },
  );
}

/**
 * The two records every authenticated Partner API call reads, kept while the database does not
 * change (SQLite only; see `Database.changeCounter`). Reads inside a transaction bypass them.
 */
interface HotRecords {
  changeCounter: (freshAsOf: number) => number;
  installations: VersionedCache<InstallationRecord>;
  resources: VersionedCache<ResourceRecord>;
}

/**
 * `version`: the change counter read before this read; without it (or a cache), the table. The
 * record is frozen either way, so code that would change one fails on every engine alike.
 */
async function throughCache<Value extends object>(
  cache: VersionedCache<Value> | undefined,
  version: number | undefined,
  key: string,
  read: () => Promise<Value | undefined>,
): Promise<Value | undefined> {
  if (cache && version !== undefined) return cache.get(version, key, read);
  const value = await read();
  return value && deepFreeze(value);
}

// Every authenticated Partner API call reads these two. The hot reads name their columns, so that
// PostgreSQL may run them as prepared statements (see prepared-statements.ts).
const selectInstallation = reusableQuery((db: Kysely<Tables>, id: string) =>
  db.selectFrom("installations").select(INSTALLATION_COLUMNS).where("id", "=", id),
);
const selectResource = reusableQuery((db: Kysely<Tables>, id: string, installationId: string) =>
  db
    .selectFrom("resources")
    .select(RESOURCE_COLUMNS)
    .where("id", "=", id)
    .where("installation_id", "=", installationId),
);
const INSTALLATION_COLUMNS_OF_I = INSTALLATION_COLUMNS.map((column) => `i.${column}` as const);

/*
 * On PostgreSQL each round trip costs more than the read it carries (a socket write and a wake-up
 * on both sides: a third of the server's CPU in the scale benchmark), so a call's two reads go in
 * one query. Every column of `resources` is text, so its row as JSON reads back unchanged.
 */
const selectInstallationWithResource = reusableQuery(
  (db: Kysely<Tables>, id: string, installationId: string) =>
    db
      .selectFrom("installations as i")
      .select(INSTALLATION_COLUMNS_OF_I)
      // A scalar subquery: PostgreSQL spent less on it than on the same read as a left join.
      .select(
        sql<Selectable<ResourcesTable> | null>`(select row_to_json(r) from resources r where r.id = ${id} and r.installation_id = i.id)`.as(
          "resource_row",
        ),
      )
      .where("i.id", "=", installationId),
);
const selectInstallationWithResources = reusableQuery(
  (db: Kysely<Tables>, installationId: string) =>
    db
      .selectFrom("installations as i")
      .select(INSTALLATION_COLUMNS_OF_I)
      .select(
        sql<
          Selectable<ResourcesTable>[]
        >`coalesce((select json_agg(r order by r.created_at, r.id) from resources r where r.installation_id = i.id), '[]'::json)`.as(
          "resource_rows",
        ),
      )
      .where("i.id", "=", installationId),
);

const json = (value: unknown) => JSON.stringify(value);
const parseJson = <T>(text: string): T => JSON.parse(text) as T;

class KyselyStore implements Store {
  constructor(
    private readonly db: Kysely<Tables>,
    readonly engine: "sqlite" | "postgres",
    private readonly box: SecretBox,
    private readonly inTransaction: boolean,
    private readonly clock: () => Date,
    private readonly wakeups: JobWakeups,
    private readonly hot?: HotRecords,
  ) {
    this.actionRuns = new ActionRunQueries(db, box);
    this.billing = new BillingQueries(db, engine);
    this.rotations = new RotationQueries(db, box);
    this.transfers = new TransferQueries(db, this.billing, clock);
    this.lifecycle = new InstallationLifecycleQueries(db, clock);
    this.members = new MemberQueries(db, clock);
    this.configurations = new ConfigurationQueries(db, clock);
    this.checkRuns = new CheckRunQueries(db);
    this.flags = new FlagSyncQueries(db, clock);
  }

  readonly billing: BillingQueries;

  private now(): string {
    return this.clock().toISOString();
  }

  private readonly actionRuns: ActionRunQueries;
  readonly rotations: RotationQueries;
  readonly transfers: TransferQueries;
  readonly lifecycle: InstallationLifecycleQueries;
  readonly members: MemberQueries;
  readonly configurations: ConfigurationQueries;
  readonly checkRuns: CheckRunQueries;
  readonly flags: FlagSyncQueries;

  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return this.atomically(work);
  }

  private atomically<T>(work: (store: KyselyStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.db
      .transaction()
      .execute((trx) =>
        work(new KyselyStore(trx, this.engine, this.box, true, this.clock, this.wakeups)),
      );
  }

  getInstallation(id: string, freshAsOf?: number): Promise<InstallationRecord | undefined> {
    return this.readInstallation(id, this.hotVersion(freshAsOf));
  }

  async getResourceWithInstallation(
    installationId: string,
    id: string,
    freshAsOf?: number,
  ): Promise<{ installation?: InstallationRecord; resource?: ResourceRecord }> {
    if (this.engine === "postgres") {
      const [row] = await selectInstallationWithResource(this.db, id, installationId);
      if (!row) return {};
      const resource = row.resource_row ? deepFreeze(toResource(row.resource_row)) : undefined;
      return { installation: deepFreeze(toInstallation(row)), resource };
    }
    const version = this.hotVersion(freshAsOf);
    const [installation, resource] = await Promise.all([
      this.readInstallation(installationId, version),
      this.readResource(installationId, id, version),
    ]);
    return { installation, resource };
  }

  /** The change counter, for a read that may be served from the hot records. */
  private hotVersion(freshAsOf: number | undefined): number | undefined {
    return freshAsOf === undefined ? undefined : this.hot?.changeCounter(freshAsOf);
  }

  async getInstallations(ids: string[]): Promise<Map<string, InstallationRecord>> {
    if (ids.length === 1) {
      const installation = await this.getInstallation(ids[0] ?? "");
      return new Map(installation ? [[installation.id, installation]] : []);
    }
    const rows = await this.db
      .selectFrom("installations")
      .selectAll()
      .where("id", "in", ids)
      .execute();
    return new Map(rows.map((row) => [row.id, toInstallation(row)]));
  }

  private readInstallation(id: string, version: number | undefined) {
    return throughCache(this.hot?.installations, version, id, async () => {
      const [row] = await selectInstallation(this.db, id);
      return row && toInstallation(row);
    });
  }

  private readResource(installationId: string, id: string, version: number | undefined) {
    return throughCache(this.hot?.resources, version, `${installationId}/${id}`, async () => {
      const [row] = await selectResource(this.db, id, installationId);
      return row && toResource(row);
    });
  }

  async upsertInstallation(input: InstallationUpsert): Promise<InstallationRecord> {
    const at = this.now();
    const credentials = this.box.seal(json(input.credentials), credentialsContext(input.id));
    const changed = {
      account_id: input.accountId,
      installer_user_id: input.installerUserId,
      scopes: json(input.scopes),
      accepted_policies: json(input.acceptedPolicies),
      account: json(input.account),
      credentials,
      updated_at: at,
      deleted_at: null,
    };
    return this.atomically(async (store) => {
      await store.db
        .insertInto("installations")
        .values({
          id: input.id,
          ...changed,
          billing_plan_id: input.defaultBillingPlanId,
          notification: null,
          created_at: at,
        })
        .onConflict((conflict) => conflict.column("id").doUpdateSet(changed))
        .execute();
      const stored = await store.getInstallation(input.id);
      if (!stored) throw new Error(`Installation ${input.id} vanished after upsert`);
      await store.billing.recordPlan("installation", stored.id, stored.billingPlanId, at);
      return stored;
    });
  }

  async setInstallationPlan(id: string, billingPlanId: string | null): Promise<void> {
    const at = this.now();
    await this.atomically(async (store) => {
      await store.db
        .updateTable("installations")
        .set({ billing_plan_id: billingPlanId, updated_at: at })
        .where("id", "=", id)
        .execute();
      await store.billing.recordPlan("installation", id, billingPlanId, at);
    });
  }

  async markInstallationDeleted(id: string): Promise<void> {
    const at = this.now();
    await this.db
      .updateTable("installations")
      .set({ deleted_at: at, updated_at: at })
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .execute();
  }

  async installationCredentials(id: string) {
    const row = await this.db
      .selectFrom("installations")
      .select("credentials")
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    const credentials = parseJson<{ access_token: string; token_type: string }>(
      this.box.open(row.credentials, credentialsContext(id)),
    );
    return { accessToken: credentials.access_token, tokenType: credentials.token_type };
  }

  getResource(
    installationId: string,
    id: string,
    freshAsOf?: number,
  ): Promise<ResourceRecord | undefined> {
    return this.readResource(installationId, id, this.hotVersion(freshAsOf));
  }

  async listResources(installationId: string): Promise<ResourceRecord[]> {
    const rows = await this.db
      .selectFrom("resources")
      .selectAll()
      .where("installation_id", "=", installationId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toResource);
  }

  async getInstallationWithResources(installationId: string, freshAsOf?: number) {
    if (this.engine === "postgres") {
      const [row] = await selectInstallationWithResources(this.db, installationId);
      if (!row) return { resources: [] };
      return {
        installation: deepFreeze(toInstallation(row)),
        resources: row.resource_rows.map(toResource),
      };
    }
    const [installation, resources] = await Promise.all([
      this.getInstallation(installationId, freshAsOf),
      this.listResources(installationId),
    ]);
    return { installation, resources };
  }

  async insertResource(resource: NewResource): Promise<ResourceRecord> {
    const at = this.now();
    const row = {
      id: resource.id,
      installation_id: resource.installationId,
      product_id: resource.productId,
      name: resource.name,
      metadata: json(resource.metadata),
      status: resource.status,
      billing_plan_id: resource.billingPlanId,
      notification: resource.notification && json(resource.notification),
      protocol_settings: resource.protocolSettings && json(resource.protocolSettings),
      external_id: resource.externalId,
      secrets: this.box.seal(json(resource.secrets), secretsContext(resource.id)),
      created_at: at,
      updated_at: at,
      deleted_at: null,
    };
    await this.atomically(async (store) => {
      await store.db.insertInto("resources").values(row).execute();
      await store.billing.recordPlan("resource", row.id, row.billing_plan_id, at);
      await store.billing.recordOwner([row.id], row.installation_id, at);
    });
    return toResource(row);
  }

  /** A plan change is recorded with the time it takes effect (see `billing.planChanges`). */
  async updateResource(id: string, changes: ResourceChanges): Promise<void> {
    const { billingPlanId } = changes;
    const at = this.now();
    if (billingPlanId === undefined) return this.writeResource(id, changes, at);
    await this.atomically(async (store) => {
      await store.writeResource(id, changes, at);
      await store.billing.recordPlan("resource", id, billingPlanId, at);
    });
  }

  private async writeResource(id: string, changes: ResourceChanges, at: string): Promise<void> {
    await this.db
      .updateTable("resources")
      .set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.metadata !== undefined && { metadata: json(changes.metadata) }),
        ...(changes.status !== undefined && { status: changes.status }),
        ...(changes.billingPlanId !== undefined && { billing_plan_id: changes.billingPlanId }),
        ...(changes.notification !== undefined && {
          notification: changes.notification && json(changes.notification),
        }),
        ...(changes.protocolSettings !== undefined && {
          protocol_settings: changes.protocolSettings && json(changes.protocolSettings),
        }),
        updated_at: at,
      })
      .where("id", "=", id)
      .execute();
  }

  async markResourceDeleted(id: string): Promise<void> {
    const at = this.now();
    await this.db
      .updateTable("resources")
      .set({ deleted_at: at, updated_at: at, status: "uninstalled" })
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .execute();
  }

  async resourceSecrets(id: string): Promise<Secret[]> {
    const row = await this.db
      .selectFrom("resources")
      .select("secrets")
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? parseJson<Secret[]>(this.box.open(row.secrets, secretsContext(id))) : [];
  }

  async claimIdempotencyKey(
    request: IdempotencyRequest,
    leaseMs: number,
    owner: string,
  ): Promise<IdempotencyClaim> {
    const at = new Date();
    const lockedUntil = new Date(at.getTime() + leaseMs).toISOString();
    const inserted = await this.db
      .insertInto("idempotency_keys")
      .values({
        ...scopeColumns(request),
        request_hash: request.requestHash,
        caller_account: request.callerAccount,
        state: "pending",
        owner,
        response_status: null,
        response_body: null,
        locked_until: lockedUntil,
        created_at: at.toISOString(),
      })
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { outcome: "claimed" };

    const row = await this.db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where((eb) => eb.and(scopeColumns(request)))
      .executeTakeFirst();
    // Pruned between the insert and the select: try again.
    if (!row) return this.claimIdempotencyKey(request, leaseMs, owner);
    // A stored answer is only ever replayed to the account that caused it.
    if (row.caller_account !== request.callerAccount) return { outcome: "other_caller" };
    if (row.request_hash !== request.requestHash) return { outcome: "mismatch" };
    if (row.state === "done") {
      const body =
        row.response_body && this.box.open(row.response_body, idempotencyContext(request));
      return { outcome: "replay", response: { status: row.response_status ?? 200, body } };
    }
    if (row.locked_until > at.toISOString()) return { outcome: "in_progress" };
    // The previous holder's lease ran out (it crashed): take over, unless another caller just did
    // or the holder renewed in the meantime.
    const taken = await this.db
      .updateTable("idempotency_keys")
      .set({ locked_until: lockedUntil, owner })
      .where((eb) => eb.and(scopeColumns(request)))
      .where("state", "=", "pending")
      .where("locked_until", "=", row.locked_until)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1 ? { outcome: "claimed" } : { outcome: "in_progress" };
  }

  async renewIdempotencyKey(
    scope: IdempotencyScope,
    owner: string,
    leaseMs: number,
  ): Promise<boolean> {
    const renewed = await this.db
      .updateTable("idempotency_keys")
      .set({ locked_until: new Date(Date.now() + leaseMs).toISOString() })
      .where((eb) => eb.and(scopeColumns(scope)))
      .where("state", "=", "pending")
      .where("owner", "=", owner)
      .executeTakeFirst();
    return Number(renewed.numUpdatedRows) === 1;
  }

  async completeIdempotencyKey(
    scope: IdempotencyScope,
    owner: string,
    response: StoredResponse,
  ): Promise<void> {
    await this.db
      .updateTable("idempotency_keys")
      .set({
        state: "done",
        owner: null,
        response_status: response.status,
        response_body:
          response.body === null ? null : this.box.seal(response.body, idempotencyContext(scope)),
      })
      .where((eb) => eb.and(scopeColumns(scope)))
      .where("state", "=", "pending")
      .where("owner", "=", owner)
      .execute();
  }

  async releaseIdempotencyKey(scope: IdempotencyScope, owner: string): Promise<void> {
    await this.db
      .deleteFrom("idempotency_keys")
      .where((eb) => eb.and(scopeColumns(scope)))
      .where("state", "=", "pending")
      .where("owner", "=", owner)
      .execute();
  }

  async pruneIdempotencyKeys(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom("idempotency_keys")
      .where("created_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async recordWebhookEvent(event: NewWebhookEvent): Promise<boolean> {
    return (await recordWebhookEvents(this.db, [event]))[0] === true;
  }

  recordWebhookEvents(events: NewWebhookEvent[]): Promise<boolean[]> {
    return recordWebhookEvents(this.db, events);
  }

  pruneWebhookEvents(before: string): Promise<number> {
    return pruneWebhookEvents(this.db, before);
  }

  async getWebhookEvent(id: string): Promise<StoredWebhookEvent | undefined> {
    return (await getWebhookEvents(this.db, [id])).get(id);
  }

  getWebhookEvents(ids: string[]): Promise<Map<string, StoredWebhookEvent>> {
    return getWebhookEvents(this.db, ids);
  }

  async enqueueJob(job: NewJob): Promise<JobRecord | undefined> {
    return (await this.enqueueJobs([job]))[0];
  }

  async enqueueJobs(list: NewJob[]): Promise<(JobRecord | undefined)[]> {
    const queued = await jobs.enqueueJobs(this.db, list);
    const kinds = new Set<string>();
    // A job queued held is its holder's to run already: no other runner needs to hear of it.
    for (const job of queued) if (job?.status === "queued") kinds.add(job.kind);
    if (kinds.size > 0) await this.wakeups.announce(this.db, [...kinds]);
    return queued;
  }

  onJobsQueued(listener: JobsQueuedListener): () => void {
    return this.wakeups.subscribe(listener);
  }

  claimJobs(
    limit: number,
    leaseMs: number,
    kinds?: string[],
    owner?: string,
    options?: jobs.ClaimOptions,
  ): Promise<JobRecord[]> {
    return jobs.claimJobs(this.db, this.engine, limit, leaseMs, kinds, owner, options);
  }

  completeHeldJobs(leases: JobLease[]): Promise<boolean[]> {
    return jobs.completeHeldJobs(this.db, leases);
  }

  failHeldJob(lease: JobLease, error: string, retryAt: Date | undefined): Promise<boolean> {
    return jobs.failHeldJob(this.db, lease, error, retryAt);
  }

  async releaseHeldJobs(leases: JobLease[]): Promise<boolean[]> {
    const released = await jobs.releaseHeldJobs(this.db, leases);
    if (released.includes(true)) await this.wakeups.announce(this.db);
    return released;
  }

  extendJobLeases(leases: JobLease[], leaseMs: number): Promise<string[]> {
    return jobs.extendJobLeases(this.db, leases, leaseMs);
  }

  pruneSucceededJobs(before: string): Promise<number> {
    return jobs.pruneSucceededJobs(this.db, before);
  }

  listJobs(filter?: { status?: JobRecord["status"]; kind?: string }): Promise<JobRecord[]> {
    return jobs.listJobs(this.db, filter);
  }

  async requeueJob(id: string): Promise<boolean> {
    const requeued = await jobs.requeueJob(this.db, id);
    if (requeued) await this.wakeups.announce(this.db);
    return requeued;
  }

  nextJobsDue(kinds: readonly string[]): Promise<Map<string, string>> {
    return jobs.nextJobsDue(this.db, kinds);
  }

  createActionRun(target: ActionTarget, startedBy?: string) {
    return this.actionRuns.create(target, startedBy);
  }

  getActionRun(target: Omit<ActionTarget, "installationId">) {
    return this.actionRuns.get(target);
  }

  transitionActionRun(
    id: string,
    from: ActionRunRecord["status"][],
    to: ActionRunChange,
    unreportedOnly?: boolean,
  ): Promise<boolean> {
    return this.actionRuns.transition(id, from, to, unreportedOnly);
  }

  markActionRunReported(id: string): Promise<void> {
    return this.actionRuns.mark(id, "reported");
  }

  markActionRunCleanedUp(id: string): Promise<void> {
    return this.actionRuns.mark(id, "cleaned_up");
  }

  async replaceResourceSecrets(id: string, secrets: Secret[]): Promise<void> {
    await this.db
      .updateTable("resources")
      .set({ secrets: this.box.seal(json(secrets), secretsContext(id)), updated_at: this.now() })
      .where("id", "=", id)
      .execute();
  }

  async setInstallationNotification(id: string, notification: Notification | null) {
    await this.db
      .updateTable("installations")
      .set({ notification: notification && json(notification), updated_at: this.now() })
      .where("id", "=", id)
      .execute();
  }

  async replaceInstallationCredentials(
    id: string,
    credentials: { access_token: string; token_type: string },
  ): Promise<void> {
    await this.db
      .updateTable("installations")
      .set({
        credentials: this.box.seal(json(credentials), credentialsContext(id)),
        updated_at: this.now(),
      })
      .where("id", "=", id)
      .execute();
  }
}

const scopeColumns = (scope: IdempotencyScope) => ({
  installation_id: scope.installationId,
  method: scope.method,
  path: scope.path,
  key: scope.key,
});

function toInstallation(row: Selectable<InstallationsTable>): InstallationRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    installerUserId: row.installer_user_id,
    scopes: parseJson(row.scopes),
    acceptedPolicies: parseJson(row.accepted_policies),
    account: parseJson(row.account),
    billingPlanId: row.billing_plan_id,
    notification: row.notification === null ? null : parseJson<Notification>(row.notification),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

function toResource(row: Selectable<ResourcesTable>): ResourceRecord {
  return {
    id: row.id,
    installationId: row.installation_id,
    productId: row.product_id,
    name: row.name,
    metadata: parseJson(row.metadata),
    status: row.status as ResourceRecord["status"],
    billingPlanId: row.billing_plan_id,
    notification: row.notification === null ? null : parseJson(row.notification),
    protocolSettings: row.protocol_settings === null ? null : parseJson(row.protocol_settings),
    externalId: row.external_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}
