import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import type pg from "pg";
import { formatCount, formatSeconds } from "../lib/format.ts";
import { repoFile } from "../lib/paths.ts";
import { progress } from "../lib/progress.ts";
import { DEFAULT_SCALE_INSTALLATIONS } from "../options.ts";
import { bulkSeed, LOADED_TABLES } from "../servers/bulk-seed.ts";
import { DatasetIds } from "../servers/dataset-ids.ts";
import { startPartnerkit } from "../servers/partnerkit.ts";
import { databaseUrl, ensureDatabase, recreateDatabase, withClient } from "../servers/postgres.ts";
import { seedResource } from "../servers/seed.ts";
import type { BenchIssuer } from "../tokens/issuer.ts";

/**
 * The database the data set lives in, kept between runs; one per size, so that a smaller try
 * does not drop the full data set.
 */
export function scaleDatabase(installations: number): string {
  return installations === DEFAULT_SCALE_INSTALLATIONS
    ? "partnerkit_scale"
    : `partnerkit_scale_${installations}`;
}
export const RESOURCES_PER_INSTALLATION = 10;

/** What the data set's database records about it, in `bench_scale_dataset` (one row). */
interface DatasetRecord {
  seed: string;
  installations: number;
  resources_per_installation: number;
  encryption_key: string;
  /** The framework's migrations applied when it was loaded, in order. */
  migrations: string;
  loaded_at: string;
  load_ms: number;
  copy_ms: number;
  vacuum_ms: number;
  bytes: string;
}

export interface ScaleDataset {
  databaseUrl: string;
  ids: DatasetIds;
  installations: number;
  resourcesPerInstallation: number;
  encryptionKey: string;
  /** Loaded by this run, or found loaded and reused. */
  reused: boolean;
  loadedAt: string;
  /** Spawn of the template's server → data set analysed, and its parts. */
  loadMs: number;
  copyMs: number;
  vacuumMs: number;
  /** `pg_database_size` once loaded. */
  bytes: number;
  migrations: string[];
}

export interface DatasetOptions {
  postgresUrl: string;
  installations: number;
  reload: boolean;
  issuer: BenchIssuer;
  jwksUrl: string;
}

/**
 * The scale data set in its own database: reused when it holds the same numbers of installations
 * and resources at the framework's current migrations, otherwise (or with `reload`) dropped and
 * loaded again.
 */
export async function ensureScaleDataset(options: DatasetOptions): Promise<ScaleDataset> {
  const name = scaleDatabase(options.installations);
  const url = databaseUrl(options.postgresUrl, name);
  if (!options.reload) {
    await ensureDatabase(options.postgresUrl, name);
    const found = await withClient(url, readRecord);
    const stale = found && (await staleness(found, options.installations));
    if (found && !stale) {
      progress(`reusing the data set in ${name} (loaded ${found.loaded_at})`);
      return toDataset(url, found, true);
    }
    progress(`loading the data set into ${name}: ${stale ?? "none there yet"}`);
  }
  return toDataset(url, await load(url, options), false);
}

/** Why a recorded data set cannot be reused, if it cannot. */
async function staleness(record: DatasetRecord, installations: number) {
  if (record.installations !== installations)
    return `it has ${formatCount(record.installations)} installations, not ${formatCount(installations)}`;
  if (record.resources_per_installation !== RESOURCES_PER_INSTALLATION)
    return `it has ${record.resources_per_installation} resources per installation`;
  if (record.migrations !== JSON.stringify(await serverMigrations()))
    return "it was loaded at other migrations than the server's (packages/partnerkit/dist)";
  return undefined;
}

async function load(url: string, options: DatasetOptions): Promise<DatasetRecord> {
  await recreateDatabase(options.postgresUrl, scaleDatabase(options.installations));
  const started = performance.now();
  const encryptionKey = randomBytes(32).toString("base64");
  const ids = new DatasetIds(randomBytes(8).toString("hex"));
  // The template rows are written by our real server, which also migrates the empty database.
  const server = await startPartnerkit({
    jwksUrl: options.jwksUrl,
    databaseUrl: url,
    encryptionKey,
  });
  const template = await seedResource(server.url, options.issuer, ids.templateCaller).finally(() =>
    server.stop(),
  );
  const copyStarted = performance.now();
  let reported = 0;
  await bulkSeed({
    databaseUrl: url,
    encryptionKey,
    template,
    plan: {
      installations: options.installations,
      resourcesPerInstallation: RESOURCES_PER_INSTALLATION,
      ids,
    },
    onProgress(done, total) {
      if (done / total < reported + 0.1 && done < total) return;
      reported = done / total;
      progress(
        `copied ${Math.round(reported * 100)} % (${formatSeconds(performance.now() - copyStarted)})`,
      );
    },
  });
  const copyMs = performance.now() - copyStarted;
  return withClient(url, async (client) => {
    const vacuumStarted = performance.now();
    // A loaded production database has been vacuumed and analysed by autovacuum long since.
    await client.query("VACUUM (ANALYZE)");
    const vacuumMs = performance.now() - vacuumStarted;
    const { rows } = await client.query<{ bytes: string }>(
      "SELECT pg_database_size(current_database())::text AS bytes",
    );
    const record: DatasetRecord = {
      seed: ids.seed,
      installations: options.installations,
      resources_per_installation: RESOURCES_PER_INSTALLATION,
      encryption_key: encryptionKey,
      migrations: JSON.stringify(await appliedMigrations(client)),
      loaded_at: new Date().toISOString(),
      load_ms: performance.now() - started,
      copy_ms: copyMs,
      vacuum_ms: vacuumMs,
      bytes: rows[0]?.bytes ?? "0",
    };
    await writeRecord(client, record);
    progress(
      `loaded in ${formatSeconds(record.load_ms)} (copies ${formatSeconds(copyMs)}, ` +
        `VACUUM ANALYZE ${formatSeconds(vacuumMs)})`,
    );
    return record;
  });
}

/**
 * Puts the database back as it was loaded: earlier runs' jobs, deliveries, action runs, usage
 * counters and Acme KV branches go, so every run starts from the same state (a server's first
 * minutes on it: see the report's background work).
 */
export async function resetToLoaded(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()
         AND tablename <> ALL($1::text[]) AND tablename NOT LIKE '%migration%'`,
      [[...LOADED_TABLES, "bench_scale_dataset"]],
    );
    if (rows.length > 0)
      await client.query(`TRUNCATE ${rows.map((row) => `"${row.name}"`).join(", ")}`);
    // Deployment branches: a resource's own namespace is named after it.
    await client.query("DELETE FROM acme_kv_namespaces WHERE namespace <> resource_id");
  });
}

/** The framework's migrations in the compiled server the bench runs: those it would apply. */
async function serverMigrations(): Promise<string[]> {
  const url = pathToFileURL(repoFile("packages/partnerkit/dist/store/migrations/index.js"));
  const compiled = (await import(url.href)) as { migrations: Record<string, unknown> };
  return Object.keys(compiled.migrations).sort();
}

async function appliedMigrations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT name FROM partnerkit_migration ORDER BY name",
  );
  return rows.map((row) => row.name);
}

async function readRecord(client: pg.Client): Promise<DatasetRecord | undefined> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('bench_scale_dataset') IS NOT NULL AS exists",
  );
  if (!rows[0]?.exists) return undefined;
  const record = await client.query<DatasetRecord>("SELECT * FROM bench_scale_dataset");
  return record.rows[0];
}

async function writeRecord(client: pg.Client, record: DatasetRecord): Promise<void> {
  const columns = Object.keys(record);
  await client.query(
    `CREATE TABLE bench_scale_dataset (seed text, installations integer,
       resources_per_installation integer, encryption_key text, migrations text, loaded_at text,
       load_ms double precision, copy_ms double precision, vacuum_ms double precision, bytes text)`,
  );
  await client.query(
    `INSERT INTO bench_scale_dataset (${columns.join(",")})
     VALUES (${columns.map((_, index) => `$${index + 1}`).join(",")})`,
    Object.values(record),
  );
}

function toDataset(url: string, record: DatasetRecord, reused: boolean): ScaleDataset {
  return {
    databaseUrl: url,
    ids: new DatasetIds(record.seed),
    installations: record.installations,
    resourcesPerInstallation: record.resources_per_installation,
    encryptionKey: record.encryption_key,
    reused,
    loadedAt: record.loaded_at,
    loadMs: record.load_ms,
    copyMs: record.copy_ms,
    vacuumMs: record.vacuum_ms,
    bytes: Number(record.bytes),
    migrations: JSON.parse(record.migrations) as string[],
  };
}
