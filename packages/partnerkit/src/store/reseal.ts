import { type Kysely, type RawBuilder, sql } from "kysely";
import {
  credentialsContext,
  idempotencyContext,
  outcomeContext,
  previousSecretsContext,
  secretsContext,
} from "./sealed-contexts.ts";
import { SecretBox } from "./secret-box.ts";
import type { Tables } from "./tables.ts";

const BATCH_SIZE = 250;

/** Where `couldNotOpen` counts values that name no key at all. */
export const UNKNOWN_FORMAT = "unknown format";

export interface ColumnReseal {
  /** `table.column` */
  column: string;
  resealed: number;
  /** Under the newest key before the run. */
  alreadyCurrent: number;
  /** Values left as they were because they did not open, by the id of the key that sealed them. */
  couldNotOpen: Record<string, number>;
  /**
   * Values not under the newest key once the column was done: those that did not open, and any a
   * server wrote meanwhile with an older key first.
   */
  remaining: number;
}

interface SealedColumn {
  table: string;
  column: string;
  primaryKey: readonly string[];
  context(key: Record<string, string>): string;
}

/** A sealed column, its names checked against the tables' types. */
function sealedColumn<
  Table extends keyof Tables,
  Key extends keyof Tables[Table] & string,
>(column: {
  table: Table;
  column: keyof Tables[Table] & string;
  primaryKey: readonly Key[];
  context(key: Record<Key, string>): string;
}): SealedColumn {
  return column;
}

const SEALED_COLUMNS = [
  sealedColumn({
    table: "installations",
    column: "credentials",
    primaryKey: ["id"],
    context: (row) => credentialsContext(row.id),
  }),
  sealedColumn({
    table: "resources",
    column: "secrets",
    primaryKey: ["id"],
    context: (row) => secretsContext(row.id),
  }),
  sealedColumn({
    table: "idempotency_keys",
    column: "response_body",
    primaryKey: ["installation_id", "method", "path", "key"],
    context: (row) =>
      idempotencyContext({
        installationId: row.installation_id,
        method: row.method,
        path: row.path,
        key: row.key,
      }),
  }),
  sealedColumn({
    table: "secret_rotations",
    column: "previous_secrets",
    primaryKey: ["id"],
    context: (row) => previousSecretsContext(row.id),
  }),
  sealedColumn({
    table: "action_runs",
    column: "outcome",
    primaryKey: ["id"],
    context: (row) => outcomeContext(row.id),
  }),
];

/**
 * Seals every stored value that is not under `box`'s newest key again with it, so that the older
 * keys can be dropped. A value a server changes meanwhile keeps the server's write; a value that
 * does not open is counted and left as it is.
 */
export async function resealSecrets(db: Kysely<object>, box: SecretBox): Promise<ColumnReseal[]> {
  const reports: ColumnReseal[] = [];
  for (const column of SEALED_COLUMNS) reports.push(await resealColumn(db, box, column));
  return reports;
}

type SealedRow = Record<string, string> & { sealed: string };

async function resealColumn(
  db: Kysely<object>,
  box: SecretBox,
  sealed: SealedColumn,
): Promise<ColumnReseal> {
  const table = sql.table(sealed.table);
  const value = sql.ref(sealed.column);
  const primaryKey = sql.join(sealed.primaryKey.map((name) => sql.ref(name)));
  const keyOf = (row: SealedRow) => sql.join(sealed.primaryKey.map((name) => row[name]));
  const prefix = SecretBox.prefixOf(box.newestKeyId);
  const underNewest = sql`substr(${value}, 1, ${sql.lit(prefix.length)}) = ${prefix}`;
  const underOlder = sql`${value} is not null and not (${underNewest})`;
  const count = async (condition: RawBuilder<unknown>) => {
    const { rows } = await sql<{ count: number | string }>`
      select count(*) as count from ${table} where ${condition}`.execute(db);
    return Number(rows[0]?.count ?? 0);
  };

  const report: ColumnReseal = {
    column: `${sealed.table}.${sealed.column}`,
    resealed: 0,
    alreadyCurrent: await count(underNewest),
    couldNotOpen: {},
    remaining: 0,
  };
  let last: SealedRow | undefined;
  for (;;) {
    const { rows } = await sql<SealedRow>`
      select ${primaryKey}, ${value} as sealed from ${table}
      where ${underOlder} ${last ? sql`and (${primaryKey}) > (${keyOf(last)})` : sql``}
      order by ${primaryKey} limit ${sql.lit(BATCH_SIZE)}`.execute(db);
    for (const row of rows) {
      const context = sealed.context(row);
      let plaintext: string;
      try {
        plaintext = box.open(row.sealed, context);
      } catch {
        const keyId = SecretBox.keyIdOf(row.sealed) ?? UNKNOWN_FORMAT;
        report.couldNotOpen[keyId] = (report.couldNotOpen[keyId] ?? 0) + 1;
        continue;
      }
      // Only while the row still holds the value read: a server's write in between wins.
      const written = await sql`
        update ${table} set ${value} = ${box.seal(plaintext, context)}
        where (${primaryKey}) = (${keyOf(row)}) and ${value} = ${row.sealed}`.execute(db);
      if (Number(written.numAffectedRows ?? 0) === 1) report.resealed += 1;
    }
    last = rows.at(-1);
    if (rows.length < BATCH_SIZE) break;
  }
  report.remaining = await count(underOlder);
  return report;
}
