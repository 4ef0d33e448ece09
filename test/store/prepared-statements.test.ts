import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { TEST_ENGINE } from "../support/database.ts";
import { openTestStore } from "../support/store.ts";
import { installationRow, resourceRow } from "../support/store-rows.ts";

const AT = "2030-01-05T10:00:00.000Z";

// On PostgreSQL the hot reads run as named prepared statements: parsed once per connection,
// planned at each run. A newer instance may add a column while this one serves (a rolling deploy).
describe.runIf(TEST_ENGINE === "postgres")("prepared statements on PostgreSQL", () => {
  let database: Database;
  let store: Store;
  async function open(urlParameters?: string) {
    ({ database, store } = await openTestStore(urlParameters));
    const db = database.kysely.withTables<Tables>();
    await db.insertInto("installations").values(installationRow("icfg_1", AT)).execute();
    await db
      .insertInto("resources")
      .values(resourceRow("res_1", "icfg_1", "pro", AT))
      .execute();
  }
  afterEach(() => database.close());

  /** Statements prepared on the pool's connection; reads run one at a time reuse one connection. */
  async function preparedStatements(): Promise<string[]> {
    const { rows } = await sql<{
      statement: string;
    }>`select statement from pg_prepared_statements`.execute(database.kysely);
    return rows.map((row) => row.statement);
  }

  it("prepares a read that names its columns, not one that selects *, and plans it per run", async () => {
    await open();
    const read = await store.getResourceWithInstallation("icfg_1", "res_1");
    expect(await store.getResourceWithInstallation("icfg_1", "res_1")).toEqual(read);
    await store.billing.invoices("icfg_1");

    const prepared = await preparedStatements();
    expect(prepared.some((text) => text.includes("row_to_json(r)"))).toBe(true);
    expect(prepared.filter((text) => text.includes("*"))).toEqual([]);
    // A generic plan, blind to the values, turned a billing read into a sequential scan.
    const { rows } = await sql<{
      plan_cache_mode: string;
    }>`show plan_cache_mode`.execute(database.kysely);
    expect(rows[0]?.plan_cache_mode).toBe("force_custom_plan");
  });

  it("keeps answering a prepared read after a column is added to its table", async () => {
    await open();
    const before = await store.getResourceWithInstallation("icfg_1", "res_1");
    expect(before.resource?.id).toBe("res_1");
    await sql`alter table installations add column added_later text`.execute(database.kysely);
    await sql`alter table resources add column added_later text`.execute(database.kysely);

    expect(await store.getResourceWithInstallation("icfg_1", "res_1")).toEqual(before);
    expect((await store.getInstallation("icfg_1"))?.id).toBe("icfg_1");
  });

  it("would fail a prepared select * once a column is added: why those are left unprepared", async () => {
    await open();
    const [schema] = (
      await sql<{ schema: string }>`select current_schema() as schema`.execute(database.kysely)
    ).rows;
    const client = new pg.Client({
      connectionString: process.env.TEST_DATABASE_URL,
      options: `-c search_path=${schema?.schema}`,
    });
    await client.connect();
    try {
      const selectStar = { name: "star", text: "select * from installations where id = $1" };
      await client.query({ ...selectStar, values: ["icfg_1"] });
      await sql`alter table installations add column added_later text`.execute(database.kysely);
      await expect(client.query({ ...selectStar, values: ["icfg_1"] })).rejects.toThrow(
        /cached plan must not change result type/,
      );
    } finally {
      await client.end();
    }
  });

  it("prepares nothing with prepare=false in the URL, for a transaction-mode pooler", async () => {
    await open("?prepare=false");
    const read = await store.getResourceWithInstallation("icfg_1", "res_1");
    expect(read.resource?.id).toBe("res_1");
    expect(await store.getResourceWithInstallation("icfg_1", "res_1")).toEqual(read);
    expect(await preparedStatements()).toEqual([]);
  });
});
