import { type EmulatedVercelApi, startVercelApi } from "../action-turnaround/vercel-api.ts";
import { Cleanups } from "../lib/cleanups.ts";
import { progress } from "../lib/progress.ts";
import type { BenchOptions } from "../options.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { startPartnerkit } from "../servers/partnerkit.ts";
import type { BenchIssuer } from "../tokens/issuer.ts";
import type { JwksServer } from "../tokens/jwks-server.ts";
import { startSigning } from "../tokens/signing.ts";
import { ensureScaleDataset, resetToLoaded, type ScaleDataset } from "./dataset.ts";

/** The data set, and our server serving it with what the load needs around it. */
export interface ScaleEnvironment {
  issuer: BenchIssuer;
  jwks: JwksServer;
  vercel: EmulatedVercelApi;
  dataset: ScaleDataset;
  ours: ChildServer;
  /** Spawn → `/readyz` 200 on the loaded database. */
  startMs: number;
  /** When it was ready (`performance.now()`). */
  readyAt: number;
  close(): Promise<void>;
}

export async function startScaleEnvironment(options: BenchOptions): Promise<ScaleEnvironment> {
  const cleanups = new Cleanups();
  const close = () => cleanups.run();
  try {
    const { issuer, jwks } = await startSigning(cleanups);
    const dataset = await ensureScaleDataset({
      postgresUrl: options.postgresUrl,
      installations: options.scaleInstallations,
      reload: options.scaleReload,
      issuer,
      jwksUrl: jwks.url,
    });
    await resetToLoaded(dataset.databaseUrl);
    const vercel = await startVercelApi();
    cleanups.add(() => vercel.close());
    const started = performance.now();
    const ours = await startPartnerkit({
      jwksUrl: jwks.url,
      databaseUrl: dataset.databaseUrl,
      encryptionKey: dataset.encryptionKey,
      vercelApiUrl: vercel.url,
      profileDir: options.profileDir,
    });
    const readyAt = performance.now();
    const startMs = readyAt - started;
    cleanups.add(() => ours.stop());
    progress(`partnerkit serving at ${ours.url} (pid ${ours.pid}) on ${dataset.databaseUrl}`);
    return { issuer, jwks, vercel, dataset, ours, startMs, readyAt, close };
  } catch (error) {
    await close();
    throw error;
  }
}
