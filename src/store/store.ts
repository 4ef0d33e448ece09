import type { Secret } from "../protocol/common.ts";
import type {
  IdempotencyClaim,
  IdempotencyRequest,
  IdempotencyScope,
  InstallationRecord,
  InstallationUpsert,
  NewResource,
  ResourceChanges,
  ResourceRecord,
  StoredResponse,
} from "./records.ts";

/** Everything the framework persists. Implemented over Kysely for SQLite and PostgreSQL. */
export interface Store {
  readonly engine: "sqlite" | "postgres";
  /** Runs `work` in one transaction; the store it receives writes inside that transaction. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;

  getInstallation(id: string): Promise<InstallationRecord | undefined>;
  /** Creates or updates; an existing installation keeps its plan and notification. */
  upsertInstallation(input: InstallationUpsert): Promise<InstallationRecord>;
  setInstallationPlan(id: string, billingPlanId: string | null): Promise<void>;
  markInstallationDeleted(id: string): Promise<void>;
  installationCredentials(
    id: string,
  ): Promise<{ accessToken: string; tokenType: string } | undefined>;

  getResource(installationId: string, id: string): Promise<ResourceRecord | undefined>;
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
}
