import { sql } from "kysely";
import { afterEach, expect, it } from "vitest";
import { KvStore } from "../../examples/acme-kv/src/kv-store.ts";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { openTestDatabase, TEST_ENGINE } from "../support/database.ts";

let database: Database | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

it("finds a resource's namespace through an index, not by reading every namespace", async () => {
  database = await openTestDatabase();
  await new KvStore(database).migrate();
  if (TEST_ENGINE === "sqlite") {
    const { rows } = await sql<{ detail: string }>`
      explain query plan select namespace from acme_kv_namespaces where resource_id = ${"res_1"}`.execute(
      database.kysely,
    );
    expect(rows.map((row) => row.detail).join("\n")).toMatch(
      /USING INDEX acme_kv_namespaces_resource_idx/,
    );
  } else {
    // A planner on an empty table may still prefer a scan; the index is what a large one needs.
    const { rows } = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where tablename = 'acme_kv_namespaces'
      and schemaname = current_schema()`.execute(database.kysely);
    expect(rows.map((row) => row.indexdef).join("\n")).toMatch(/\(resource_id\)/);
  }
});
