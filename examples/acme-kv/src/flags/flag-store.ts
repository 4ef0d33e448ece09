import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely, Migration } from "kysely";
import type { Database } from "partnerkit";
import { runMigrations } from "partnerkit";
import { Flag, type FlagFields } from "./flag-model.ts";

type FlagTables = {
  /** One per resource: whose it is and the hash of its API token. */
  acme_flags_stores: {
    resource_id: string;
    installation_id: string;
    token_hash: string;
    created_at: string;
  };
  acme_flags_flags: {
    id: string;
    resource_id: string;
    key: string;
    name: string;
    description: string;
    kind: string;
    /** JSON text. */
    value: string;
    default_value: string;
    /** 0 or 1: the same column type on both engines. */
    enabled: number;
    rollout: number;
    archived: number;
    created_at: string;
    updated_at: string;
  };
};

type FlagRow = FlagTables["acme_flags_flags"];

const schema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("acme_flags_stores")
      .addColumn("resource_id", "text", (col) => col.primaryKey())
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("token_hash", "text", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .execute();
    await db.schema
      .createTable("acme_flags_flags")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("key", "text", (col) => col.notNull())
      .addColumn("name", "text", (col) => col.notNull())
      .addColumn("description", "text", (col) => col.notNull())
      .addColumn("kind", "text", (col) => col.notNull())
      .addColumn("value", "text", (col) => col.notNull())
      .addColumn("default_value", "text", (col) => col.notNull())
      .addColumn("enabled", "integer", (col) => col.notNull())
      .addColumn("rollout", "integer", (col) => col.notNull())
      .addColumn("archived", "integer", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addUniqueConstraint("acme_flags_flags_key", ["resource_id", "key"])
      .execute();
  },
};

const hashToken = (token: string) => createHash("sha256").update(token).digest();

const newToken = () => `afl_${randomBytes(24).toString("base64url")}`;

/** Vercel knows a flag by this id (its experimentation item's), never by its key. */
const newFlagId = () => `flag_${randomBytes(12).toString("base64url")}`;

const toFlag = (row: FlagRow): Flag =>
  Flag.parse({
    id: row.id,
    resourceId: row.resource_id,
    key: row.key,
    name: row.name,
    description: row.description,
    kind: row.kind,
    value: JSON.parse(row.value),
    defaultValue: JSON.parse(row.default_value),
    enabled: Number(row.enabled) === 1,
    rollout: Number(row.rollout),
    archived: Number(row.archived) === 1,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  });

const toColumns = (fields: FlagFields) => ({
  key: fields.key,
  name: fields.name,
  description: fields.description,
  kind: fields.kind,
  value: JSON.stringify(fields.value),
  default_value: JSON.stringify(fields.defaultValue),
  enabled: fields.enabled ? 1 : 0,
  rollout: fields.rollout,
  archived: fields.archived ? 1 : 0,
});

/** Another flag of the resource already has this key. */
export class FlagKeyTaken extends Error {
  constructor(readonly key: string) {
    super(`A flag keyed ${key} already exists`);
  }
}

/**
 * Acme Flags' data: a flag store per resource, reachable with its own bearer token (only its hash
 * is kept), holding the resource's flags.
 */
export class FlagStore {
  private readonly db: Kysely<FlagTables>;

  constructor(private readonly database: Database) {
    this.db = database.kysely.withTables<FlagTables>();
  }

  migrate(): Promise<void> {
    return runMigrations(this.database, { "0001-acme-flags": schema }, "acme_flags_migration");
  }

  /**
   * Creates the resource's store (or, again, gives it to `installationId` with a new token, as a
   * transfer does) and returns the token.
   */
  async open(resourceId: string, installationId: string): Promise<string> {
    const token = newToken();
    const row = {
      resource_id: resourceId,
      installation_id: installationId,
      token_hash: hashToken(token).toString("hex"),
      created_at: new Date().toISOString(),
    };
    await this.db
      .insertInto("acme_flags_stores")
      .values(row)
      .onConflict((conflict) =>
        conflict
          .column("resource_id")
          .doUpdateSet({ installation_id: installationId, token_hash: row.token_hash }),
      )
      .execute();
    return token;
  }

  async drop(resourceId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("acme_flags_flags").where("resource_id", "=", resourceId).execute();
      await trx.deleteFrom("acme_flags_stores").where("resource_id", "=", resourceId).execute();
    });
  }

  /** The installation owning the resource's store, if `token` opens it. */
  async owner(resourceId: string, token: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("acme_flags_stores")
      .select(["token_hash", "installation_id"])
      .where("resource_id", "=", resourceId)
      .executeTakeFirst();
    if (!row) return undefined;
    return timingSafeEqual(Buffer.from(row.token_hash, "hex"), hashToken(token))
      ? row.installation_id
      : undefined;
  }

  /** The resource's flags by key, archived ones included. */
  async list(resourceId: string): Promise<Flag[]> {
    const rows = await this.db
      .selectFrom("acme_flags_flags")
      .selectAll()
      .where("resource_id", "=", resourceId)
      .orderBy("key")
      .execute();
    return rows.map(toFlag);
  }

  async byKey(resourceId: string, key: string): Promise<Flag | undefined> {
    const row = await this.db
      .selectFrom("acme_flags_flags")
      .selectAll()
      .where("resource_id", "=", resourceId)
      .where("key", "=", key)
      .executeTakeFirst();
    return row && toFlag(row);
  }

  /** A flag by its id, with the resource it belongs to: how an SSO link names it. */
  async byId(id: string): Promise<Flag | undefined> {
    const row = await this.db
      .selectFrom("acme_flags_flags")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toFlag(row);
  }

  async insert(resourceId: string, fields: FlagFields): Promise<Flag> {
    const now = new Date().toISOString();
    const row: FlagRow = {
      id: newFlagId(),
      resource_id: resourceId,
      ...toColumns(fields),
      created_at: now,
      updated_at: now,
    };
    await this.keyChecked(resourceId, fields.key, row.id, () =>
      this.db.insertInto("acme_flags_flags").values(row).execute(),
    );
    return toFlag(row);
  }

  async update(flag: Flag, fields: FlagFields): Promise<Flag> {
    const columns = { ...toColumns(fields), updated_at: new Date().toISOString() };
    await this.keyChecked(flag.resourceId, fields.key, flag.id, () =>
      this.db.updateTable("acme_flags_flags").set(columns).where("id", "=", flag.id).execute(),
    );
    return { ...flag, ...fields, updatedAt: new Date(columns.updated_at) };
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("acme_flags_flags").where("id", "=", id).execute();
  }

  /** Runs a write, turning the unique key's violation (two writers racing) into `FlagKeyTaken`. */
  private async keyChecked(
    resourceId: string,
    key: string,
    id: string,
    write: () => Promise<unknown>,
  ) {
    try {
      await write();
    } catch (error) {
      const holder = await this.byKey(resourceId, key);
      if (holder && holder.id !== id) throw new FlagKeyTaken(key);
      throw error;
    }
  }
}
