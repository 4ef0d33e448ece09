import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { reusableQuery } from "../../packages/partnerkit/src/store/reusable-query.ts";
import { openTestDatabase } from "../support/database.ts";

type Pets = {
  pets: { id: string; owner: string; name: string };
};

const petOf = reusableQuery((db: Kysely<Pets>, owner: string, id: string) =>
  db.selectFrom("pets").select("name").where("owner", "=", owner).where("id", "=", id),
);

describe("reusableQuery", () => {
  let database: Database;
  let db: Kysely<Pets>;

  beforeEach(async () => {
    database = await openTestDatabase();
    db = database.kysely.withTables<Pets>();
    await db.schema
      .createTable("pets")
      .addColumn("id", "text")
      .addColumn("owner", "text")
      .addColumn("name", "text")
      .execute();
    await db
      .insertInto("pets")
      .values([
        { id: "p1", owner: "ann", name: "Rex" },
        { id: "p2", owner: "ann", name: "Tom" },
        { id: "p1", owner: "bob", name: "Kit" },
      ])
      .execute();
  });
  afterEach(() => database.close());

  it("answers each call with its own parameters", async () => {
    expect(await petOf(db, "ann", "p1")).toEqual([{ name: "Rex" }]);
    expect(await petOf(db, "ann", "p2")).toEqual([{ name: "Tom" }]);
    expect(await petOf(db, "bob", "p1")).toEqual([{ name: "Kit" }]);
    expect(await petOf(db, "bob", "p2")).toEqual([]);
  });

  it("refuses a builder whose parameters would not line up with the arguments", async () => {
    const swapped = reusableQuery((db: Kysely<Pets>, owner: string, id: string) =>
      db.selectFrom("pets").select("name").where("id", "=", id).where("owner", "=", owner),
    );
    await expect(swapped(db, "ann", "p1")).rejects.toThrow(/each parameter once, in order/);
    const unused = reusableQuery((db: Kysely<Pets>, owner: string, _id: string) =>
      db.selectFrom("pets").select("name").where("owner", "=", owner),
    );
    await expect(unused(db, "ann", "p1")).rejects.toThrow(/each parameter once, in order/);
  });
});
