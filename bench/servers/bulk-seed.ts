import { createHash, randomBytes } from "node:crypto";
import { CompiledQuery, type Kysely } from "kysely";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { BenchError } from "../lib/errors.ts";
import type { DatasetIds } from "./dataset-ids.ts";
import type { SeededResource } from "./seed.ts";

export interface BulkSeedPlan {
  installations: number;
  resourcesPerInstallation: number;
  ids: DatasetIds;
}

type Row = Record<string, unknown>;

/**
 * Where the template's rows are: each table an install or a provision writes, and the column
 * that names the installation or the resource. The framework's, and Acme KV's namespaces.
 */
const INSTALLATION_ROWS = [
  ["installations", "id"],
  ["billing_plan_changes", "subject_id"],
] as const;
const RESOURCE_ROWS = [
  ["resources", "id"],
  ["billing_plan_changes", "subject_id"],
  ["resource_owners", "resource_id"],
  ["acme_kv_namespaces", "resource_id"],
] as const;
/** Every table a bulk seed writes. */
export const LOADED_TABLES: readonly string[] = [
  ...new Set([...INSTALLATION_ROWS, ...RESOURCE_ROWS].map(([table]) => table)),
];
/** Request bookkeeping, not data: not copied, and allowed to mention the template. */
const NOT_DATA = /^(jobs|webhook_events|idempotency_keys|.*_migration(_lock)?)$/;

/**
 * The framework binds each sealed value to its row (AES-GCM associated data) with these
 * contexts; opening the template's values with them (below) proves they are still the ones
 * `src/store/kysely-store.ts` uses.
 */
const credentialsContext = (installationId: string) => `installation:${installationId}:credentials`;
const secretsContext = (resourceId: string) => `resource:${resourceId}:secrets`;

const TOKEN_SECRET = "KV_REST_API_TOKEN";
/** Installations written per transaction. */
export const BULK_SEED_BATCH = 1_000;
/** Bound parameters per INSERT: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 32_000;

/**
 * Fills the database with `plan`'s installations and resources by copying the rows our real
 * server wrote for `template` (one installation and one resource created through the Partner
 * API): the same columns and values, with each copy's own ids, its own sealed credentials and
 * secrets (sealed with the server's key and the framework's `SecretBox`, bound to the copy's id)
 * and its own Acme KV token. Resources are written in passes — every installation's first, then
 * every second… — so an installation's resources lie apart in the table, as resources created
 * over months would. Fails if the template wrote rows in a table it does not know how to copy.
 */
export async function bulkSeed(options: {
  databaseUrl: string;
  encryptionKey: string;
  template: SeededResource;
  plan: BulkSeedPlan;
  onProgress?: (done: number, total: number) => void;
}): Promise<void> {
  const database = openDatabase(options.databaseUrl);
  try {
    const copier = await TemplateCopier.read(database, options.encryptionKey, options.template);
    await copier.write(options.plan, options.onProgress);
  } finally {
    await database.close();
  }
}

/** Copies of the template's rows, each copy with the columns that make it another one. */
class TemplateCopier {
  private constructor(
    private readonly database: Database,
    private readonly box: SecretBox,
    private readonly template: SeededResource,
    private readonly installationRows: Map<string, Row[]>,
    private readonly resourceRows: Map<string, Row[]>,
    /** The template's plaintexts: its installation's credentials and its resource's secrets. */
    private readonly credentials: Row,
    private readonly secrets: string,
    /** Acme KV's token for the template, inside `secrets`; only its hash is in the namespace. */
    private readonly token: string,
  ) {}

  static async read(database: Database, key: string, template: SeededResource) {
    const { installationId, resourceId } = template;
    const installationRows = await rowsOf(database, INSTALLATION_ROWS, installationId);
    const resourceRows = await rowsOf(database, RESOURCE_ROWS, resourceId);
    await assertEveryTemplateRowKnown(database, [installationId, resourceId]);
    const [installation] = installationRows.get("installations") ?? [];
    const [resource] = resourceRows.get("resources") ?? [];
    const [namespace] = resourceRows.get("acme_kv_namespaces") ?? [];
    if (!installation || !resource || !namespace) {
      throw new BenchError(`The template's rows are missing (${installationId}/${resourceId})`);
    }
    const box = SecretBox.fromEnv(key);
    const credentials = JSON.parse(
      box.open(String(installation.credentials), credentialsContext(installationId)),
    ) as Row;
    const secrets = box.open(String(resource.secrets), secretsContext(resourceId));
    const token = (JSON.parse(secrets) as { name: string; value: string }[]).find(
      (secret) => secret.name === TOKEN_SECRET,
    )?.value;
    if (!token || sha256(token) !== namespace.token_hash) {
      throw new BenchError(`The template's ${TOKEN_SECRET} is not the one Acme KV stored`);
    }
    return new TemplateCopier(
      database,
      box,
      template,
      installationRows,
      resourceRows,
      credentials,
      secrets,
      token,
    );
  }

  async write(plan: BulkSeedPlan, onProgress?: (done: number, total: number) => void) {
    const ranges: [number, number][] = [];
    for (let from = 0; from < plan.installations; from += BULK_SEED_BATCH)
      ranges.push([from, Math.min(plan.installations, from + BULK_SEED_BATCH)]);
    const passes = Array.from({ length: plan.resourcesPerInstallation }, (_, k) => k);
    const total = ranges.length * (1 + passes.length);
    let done = 0;
    // PostgreSQL inserts one batch while the next is being sealed.
    const lanes = this.database.engine === "postgres" ? 2 : 1;
    const run = (tasks: (() => Promise<void>)[]) =>
      inLanes(tasks, lanes, () => onProgress?.(++done, total));
    // Every installation is in before the first resource refers to it.
    await run(
      ranges.map(
        ([from, to]) =>
          () =>
            this.#insert(this.#installationCopies(plan.ids, from, to)),
      ),
    );
    await run(
      passes.flatMap((k) =>
        ranges.map(
          ([from, to]) =>
            () =>
              this.#insert(this.#resourceCopies(plan.ids, k, from, to)),
        ),
      ),
    );
  }

  #installationCopies(ids: DatasetIds, from: number, to: number): Map<string, Row[]> {
    const copies = emptyCopies(this.installationRows);
    for (let n = from; n < to; n++) {
      const id = ids.installation(n);
      const credentials = JSON.stringify({ ...this.credentials, access_token: ids.accessToken(n) });
      this.#copy(copies, this.installationRows, {
        installations: {
          id,
          account_id: ids.account(n),
          credentials: this.box.seal(credentials, credentialsContext(id)),
        },
        billing_plan_changes: { subject_id: id },
      });
    }
    return copies;
  }

  #resourceCopies(ids: DatasetIds, k: number, from: number, to: number): Map<string, Row[]> {
    const copies = emptyCopies(this.resourceRows);
    for (let n = from; n < to; n++) {
      const id = ids.resource(n, k);
      const installationId = ids.installation(n);
      const token = `akv_${randomBytes(24).toString("base64url")}`;
      const secrets = this.secrets
        .replaceAll(this.template.resourceId, id)
        .replaceAll(this.token, token);
      this.#copy(copies, this.resourceRows, {
        resources: {
          id,
          installation_id: installationId,
          secrets: this.box.seal(secrets, secretsContext(id)),
        },
        billing_plan_changes: { subject_id: id },
        resource_owners: { resource_id: id, installation_id: installationId },
        acme_kv_namespaces: { namespace: id, resource_id: id, token_hash: sha256(token) },
      });
    }
    return copies;
  }

  /** Adds a copy of each template row of each table, with `changes` to that table's columns. */
  #copy(copies: Map<string, Row[]>, templates: Map<string, Row[]>, changes: Record<string, Row>) {
    for (const [table, rows] of templates) {
      for (const row of rows) copies.get(table)?.push({ ...row, ...changes[table] });
    }
  }

  #insert(copies: Map<string, Row[]>): Promise<void> {
    return this.database.kysely.transaction().execute(async (trx) => {
      for (const [table, rows] of copies) await insertRows(trx, this.database.engine, table, rows);
    });
  }
}

/** The rows of each table in `locations` whose column names `id`, by table. */
async function rowsOf(
  database: Database,
  locations: readonly (readonly [string, string])[],
  id: string,
): Promise<Map<string, Row[]>> {
  const rows = new Map<string, Row[]>();
  for (const [table, column] of locations) {
    const query = `select * from ${table} where ${column} = ${placeholder(database.engine, 1)}`;
    rows.set(table, (await database.kysely.executeQuery<Row>(CompiledQuery.raw(query, [id]))).rows);
  }
  return rows;
}

const emptyCopies = (templates: Map<string, Row[]>) =>
  new Map<string, Row[]>([...templates.keys()].map((table) => [table, []]));

/**
 * The framework's install and provision may one day write a table this copier does not know:
 * copies would then lack those rows. Every table is read (the database holds little more than
 * the template at this point) for rows that mention the template's ids.
 */
async function assertEveryTemplateRowKnown(database: Database, templateIds: string[]) {
  const known = new Set(LOADED_TABLES);
  for (const { name } of await database.kysely.introspection.getTables()) {
    if (known.has(name) || NOT_DATA.test(name)) continue;
    const { rows } = await database.kysely.executeQuery<Row>(
      CompiledQuery.raw(`select * from ${name}`, []),
    );
    const text = JSON.stringify(rows);
    if (templateIds.some((id) => text.includes(id))) {
      throw new BenchError(
        `Installing or provisioning now also writes ${name}: teach bench/servers/bulk-seed.ts to copy it`,
      );
    }
  }
}

async function insertRows(
  db: Kysely<object>,
  engine: Database["engine"],
  table: string,
  rows: Row[],
) {
  const [first] = rows;
  if (!first) return;
  const columns = Object.keys(first);
  const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
  for (let from = 0; from < rows.length; from += perStatement) {
    const chunk = rows.slice(from, from + perStatement);
    const parameters: unknown[] = [];
    const tuples = chunk.map((row) => {
      const marks = columns.map((column) => {
        parameters.push(row[column]);
        return placeholder(engine, parameters.length);
      });
      return `(${marks.join(",")})`;
    });
    await db.executeQuery(
      CompiledQuery.raw(
        `insert into ${table} (${columns.join(",")}) values ${tuples.join(",")}`,
        parameters,
      ),
    );
  }
}

/** Runs `tasks` in order, `lanes` at a time, calling `after` as each one ends. */
async function inLanes(tasks: (() => Promise<void>)[], lanes: number, after: () => void) {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      await task();
      after();
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

function placeholder(engine: Database["engine"], index: number): string {
  return engine === "postgres" ? `$${index}` : "?";
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
