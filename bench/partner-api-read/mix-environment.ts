import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startVercelApi } from "../action-turnaround/vercel-api.ts";
import { Cleanups } from "../lib/cleanups.ts";
import { progress } from "../lib/progress.ts";
import type { BenchOptions } from "../options.ts";
import { bulkSeed } from "../servers/bulk-seed.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { DatasetIds } from "../servers/dataset-ids.ts";
import { databaseFile, startPartnerkit } from "../servers/partnerkit.ts";
import { databaseUrl, recreateDatabase } from "../servers/postgres.ts";
import { type QuietWait, waitUntilQuiet } from "../servers/quiet-servers.ts";
import { seedResource } from "../servers/seed.ts";
import type { BenchIssuer } from "../tokens/issuer.ts";
import { startSigning } from "../tokens/signing.ts";

export type MixEngine = "sqlite" | "postgres";

export interface MixConfiguration {
  name: string;
  engine: MixEngine;
  instances: number;
}

/** Measured in this order; configurations of one engine share its data set. */
export const MIX_CONFIGURATIONS: readonly MixConfiguration[] = [
  { name: "SQLite, 1 instance", engine: "sqlite", instances: 1 },
  { name: "PostgreSQL, 1 instance", engine: "postgres", instances: 1 },
  { name: "PostgreSQL, 3 instances", engine: "postgres", instances: 3 },
];

/** Installations of the mix's data set, one Acme KV resource each. */
export const MIX_INSTALLATIONS = 10_000;
/** The PostgreSQL database of the mix, made anew by each run. */
export const MIX_DATABASE = "partnerkit_read_mix";
/** Longest wait for the servers' start-up work (billing every installation) to end. */
const QUIET_TIMEOUT_MS = 240_000;

/** The mix's data set in a fresh database, and what serving it needs. */
export interface MixDataset {
  engine: MixEngine;
  issuer: BenchIssuer;
  ids: DatasetIds;
  databaseUrl: string;
  /** Starts `instances` servers on the data set, resolving once their start-up work is over. */
  serve(instances: number): Promise<MixServers>;
  close(): Promise<void>;
}

export interface MixServers {
  servers: ChildServer[];
  /** The wait for their start-up work to end before the load. */
  quiet: QuietWait;
  stop(): Promise<void>;
}

/**
 * `MIX_INSTALLATIONS` installations with one resource each: one made through the Partner API by
 * a server that also migrates the database, the others copied from it (see `bulkSeed`).
 */
export async function prepareMixDataset(
  engine: MixEngine,
  options: BenchOptions,
): Promise<MixDataset> {
  const cleanups = new Cleanups();
  const close = () => cleanups.run();
  try {
    const { issuer, jwks } = await startSigning(cleanups);
    const vercel = await startVercelApi();
    cleanups.add(() => vercel.close());
    let url: string;
    if (engine === "sqlite") {
      const dataDir = await mkdtemp(join(tmpdir(), "partnerkit-bench-mix-"));
      cleanups.add(() => rm(dataDir, { recursive: true, force: true }));
      url = databaseFile(dataDir);
    } else {
      await recreateDatabase(options.postgresUrl, MIX_DATABASE);
      url = databaseUrl(options.postgresUrl, MIX_DATABASE);
    }
    const encryptionKey = randomBytes(32).toString("base64");
    const start = () =>
      startPartnerkit({
        jwksUrl: jwks.url,
        databaseUrl: url,
        encryptionKey,
        vercelApiUrl: vercel.url,
      });
    const ids = new DatasetIds(randomBytes(8).toString("hex"));
    const templateServer = await start();
    const template = await seedResource(templateServer.url, issuer, ids.templateCaller).finally(
      () => templateServer.stop(),
    );
    const plan = { installations: MIX_INSTALLATIONS, resourcesPerInstallation: 1, ids };
    await bulkSeed({ databaseUrl: url, encryptionKey, template, plan });
    progress(`mix data set on ${engine}: ${MIX_INSTALLATIONS} installations copied`);

    const serve = async (instances: number): Promise<MixServers> => {
      const servers: ChildServer[] = [];
      const stop = async () => {
        for (const server of servers.splice(0)) await server.stop();
      };
      try {
        while (servers.length < instances) servers.push(await start());
        progress(`${instances} serving on ${engine}; waiting for their start-up work…`);
        const quiet = await waitUntilQuiet(servers, url, QUIET_TIMEOUT_MS);
        progress(
          `quiet after ${(quiet.ms / 1000).toFixed(1)} s (${quiet.jobs} jobs in the queue)` +
            (quiet.quiet ? "" : ", NOT quiet: measuring anyway"),
        );
        return { servers: [...servers], quiet, stop };
      } catch (error) {
        await stop();
        throw error;
      }
    };
    return { engine, issuer, ids, databaseUrl: url, serve, close };
  } catch (error) {
    await close();
    throw error;
  }
}
