import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type Kysely, type Migration, sql } from "kysely";
import type { Database } from "partnerkit";
import { runMigrations } from "partnerkit";

type KvTables = {
  acme_kv_namespaces: {
    namespace: string;
    resource_id: string;
    token_hash: string;
    created_at: string;
  };
  acme_kv_entries: { namespace: string; key: string; value: string; updated_at: string };
  acme_kv_suspensions: { resource_id: string; suspended_at: string };
  /** Tokens replaced by a rotation that still work until they are revoked. */
  acme_kv_previous_tokens: { namespace: string; token_hash: string; created_at: string };
};

const schema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("acme_kv_namespaces")
      .addColumn("namespace", "text", (col) => col.primaryKey())
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("token_hash", "text", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .execute();
    await db.schema
      .createTable("acme_kv_entries")
      .addColumn("namespace", "text", (col) => col.notNull())
      .addColumn("key", "text", (col) => col.notNull())
      .addColumn("value", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("acme_kv_entries_pk", ["namespace", "key"])
      .execute();
  },
};

/** A resource whose data plane refuses requests, e.g. while an invoice is overdue. */
const suspensions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("acme_kv_suspensions")
      .addColumn("resource_id", "text", (col) => col.primaryKey())
      .addColumn("suspended_at", "text", (col) => col.notNull())
      .execute();
  },
};

/** Tokens replaced by a rotation, which keep working until they are revoked. */
const previousTokens: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("acme_kv_previous_tokens")
      .addColumn("namespace", "text", (col) => col.notNull())
      .addColumn("token_hash", "text", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("acme_kv_previous_tokens_pk", ["namespace", "token_hash"])
      .execute();
  },
};

/** Deleting a resource and measuring its storage look its namespace up by resource. */
const namespacesByResource: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex("acme_kv_namespaces_resource_idx")
      .on("acme_kv_namespaces")
      .column("resource_id")
      .execute();
  },
};

const hashToken = (token: string) => createHash("sha256").update(token).digest();

const newToken = () => `akv_${randomBytes(24).toString("base64url")}`;

/**
 * Acme KV's data: namespaces (one per resource) holding string values, each reachable with its
 * own bearer token. Only a hash of each token is stored.
 */
export class KvStore {
  private readonly db: Kysely<KvTables>;

  constructor(private readonly database: Database) {
    this.db = database.kysely.withTables<KvTables>();
  }

  migrate(): Promise<void> {
    return runMigrations(
      this.database,
      {
        "0001-acme-kv": schema,
        "0002-acme-kv-suspensions": suspensions,
        "0003-acme-kv-previous-tokens": previousTokens,
        "0004-acme-kv-namespaces-by-resource": namespacesByResource,
      },
      "acme_kv_migration",
    );
  }

  /** Creates the namespace (or replaces its token) and returns the new token. */
  async createNamespace(namespace: string, resourceId: string): Promise<string> {
    const token = newToken();
    const row = {
      namespace,
      resource_id: resourceId,
      token_hash: hashToken(token).toString("hex"),
      created_at: new Date().toISOString(),
    };
    await this.db
      .insertInto("acme_kv_namespaces")
      .values(row)
      .onConflict((conflict) =>
        conflict.column("namespace").doUpdateSet({ token_hash: row.token_hash }),
      )
      .execute();
    return token;
  }

  /**
   * A copy of `source`'s data under `branch`, with its own token; doing it again starts the branch
   * afresh, so a retried deployment action is harmless.
   */
  async branch(source: string, branch: string, resourceId: string): Promise<string> {
    const token = await this.createNamespace(branch, resourceId);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("acme_kv_entries").where("namespace", "=", branch).execute();
      await trx
        .insertInto("acme_kv_entries")
        .columns(["namespace", "key", "value", "updated_at"])
        .expression(
          trx
            .selectFrom("acme_kv_entries")
            .select([sql.lit(branch).as("namespace"), "key", "value", "updated_at"])
            .where("namespace", "=", source),
        )
        .execute();
    });
    return token;
  }

  /** A new token for the namespace; the current one keeps working until `revokeToken`. */
  async rotateToken(namespace: string): Promise<string> {
    const token = newToken();
    await this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom("acme_kv_namespaces")
        .select("token_hash")
        .where("namespace", "=", namespace)
        .executeTakeFirst();
      if (!current) throw new Error(`No namespace ${namespace}`);
      await trx
        .insertInto("acme_kv_previous_tokens")
        .values({ namespace, token_hash: current.token_hash, created_at: new Date().toISOString() })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      await trx
        .updateTable("acme_kv_namespaces")
        .set({ token_hash: hashToken(token).toString("hex") })
        .where("namespace", "=", namespace)
        .execute();
    });
    return token;
  }

  /**
   * A new token for the namespace that replaces the current one and those still in a rotation's
   * grace period: whoever held them loses access at once.
   */
  async reissueToken(namespace: string): Promise<string> {
    const token = newToken();
    await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("acme_kv_namespaces")
        .set({ token_hash: hashToken(token).toString("hex") })
        .where("namespace", "=", namespace)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new Error(`No namespace ${namespace}`);
      await trx.deleteFrom("acme_kv_previous_tokens").where("namespace", "=", namespace).execute();
    });
    return token;
  }

  /** Makes a token replaced by `rotateToken` stop working. */
  async revokeToken(namespace: string, token: string): Promise<void> {
    await this.db
      .deleteFrom("acme_kv_previous_tokens")
      .where("namespace", "=", namespace)
      .where("token_hash", "=", hashToken(token).toString("hex"))
      .execute();
  }

  async deleteNamespace(namespace: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("acme_kv_previous_tokens").where("namespace", "=", namespace).execute();
      await trx.deleteFrom("acme_kv_entries").where("namespace", "=", namespace).execute();
      await trx.deleteFrom("acme_kv_namespaces").where("namespace", "=", namespace).execute();
    });
  }

  /** Deletes every namespace of a resource: its own and its deployments' branches. */
  async deleteResource(resourceId: string): Promise<void> {
    const namespaces = await this.db
      .selectFrom("acme_kv_namespaces")
      .select("namespace")
      .where("resource_id", "=", resourceId)
      .execute();
    for (const { namespace } of namespaces) await this.deleteNamespace(namespace);
  }

  async authorize(namespace: string, token: string): Promise<boolean> {
    return (await this.owner(namespace, token)) !== undefined;
  }

  /** The resource a namespace belongs to and whether it is suspended, if `token` opens it. */
  async owner(
    namespace: string,
    token: string,
  ): Promise<{ resourceId: string; suspended: boolean } | undefined> {
    const row = await this.db
      .selectFrom("acme_kv_namespaces")
      .leftJoin(
        "acme_kv_suspensions",
        "acme_kv_suspensions.resource_id",
        "acme_kv_namespaces.resource_id",
      )
      .select([
        "acme_kv_namespaces.token_hash",
        "acme_kv_namespaces.resource_id",
        "acme_kv_suspensions.suspended_at",
      ])
      .where("acme_kv_namespaces.namespace", "=", namespace)
      .executeTakeFirst();
    if (!row) return undefined;
    const hash = hashToken(token);
    const current = timingSafeEqual(Buffer.from(row.token_hash, "hex"), hash);
    if (!current && !(await this.isPreviousToken(namespace, hash))) return undefined;
    return { resourceId: row.resource_id, suspended: row.suspended_at !== null };
  }

  /** A token replaced by a rotation and not yet revoked. */
  private async isPreviousToken(namespace: string, hash: Buffer): Promise<boolean> {
    // Looked up by its hash: a timing difference could only tell hashes apart, not tokens.
    const previous = await this.db
      .selectFrom("acme_kv_previous_tokens")
      .select("namespace")
      .where("namespace", "=", namespace)
      .where("token_hash", "=", hash.toString("hex"))
      .executeTakeFirst();
    return previous !== undefined;
  }

  async suspend(resourceId: string): Promise<void> {
    await this.db
      .insertInto("acme_kv_suspensions")
      .values({ resource_id: resourceId, suspended_at: new Date().toISOString() })
      .onConflict((conflict) => conflict.column("resource_id").doNothing())
      .execute();
  }

  /** True when the resource was suspended. */
  async resume(resourceId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("acme_kv_suspensions")
      .where("resource_id", "=", resourceId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Bytes of the values each resource keeps, its branches included; 0 for one without values. */
  async storedBytesOf(resourceIds: string[]): Promise<Map<string, number>> {
    const totals = new Map(resourceIds.map((id) => [id, 0]));
    if (resourceIds.length === 0) return totals;
    const bytes =
      this.database.engine === "postgres"
        ? sql<string | null>`sum(octet_length(acme_kv_entries.value))`
        : sql<string | null>`sum(length(cast(acme_kv_entries.value as blob)))`;
    const rows = await this.db
      .selectFrom("acme_kv_entries")
      .innerJoin("acme_kv_namespaces", "acme_kv_namespaces.namespace", "acme_kv_entries.namespace")
      .select(["acme_kv_namespaces.resource_id as resourceId", bytes.as("bytes")])
      .where("acme_kv_namespaces.resource_id", "in", resourceIds)
      .groupBy("acme_kv_namespaces.resource_id")
      .execute();
    for (const row of rows) totals.set(row.resourceId, Number(row.bytes ?? 0));
    return totals;
  }

  async get(namespace: string, key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("acme_kv_entries")
      .select("value")
      .where("namespace", "=", namespace)
      .where("key", "=", key)
      .executeTakeFirst();
    return row?.value;
  }

  async set(namespace: string, key: string, value: string): Promise<void> {
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto("acme_kv_entries")
      .values({ namespace, key, value, updated_at })
      .onConflict((conflict) =>
        conflict.columns(["namespace", "key"]).doUpdateSet({ value, updated_at }),
      )
      .execute();
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("acme_kv_entries")
      .where("namespace", "=", namespace)
      .where("key", "=", key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async keys(namespace: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("acme_kv_entries")
      .select("key")
      .where("namespace", "=", namespace)
      .orderBy("key")
      .execute();
    return rows.map((row) => row.key);
  }
}
