import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanups } from "../lib/cleanups.ts";
import { progress } from "../lib/progress.ts";
import type { BenchCaller, BenchIssuer } from "../tokens/issuer.ts";
import type { JwksServer } from "../tokens/jwks-server.ts";
import { startSigning } from "../tokens/signing.ts";
import type { ChildServer } from "./child-server.ts";
import { startPartnerkit } from "./partnerkit.ts";
import { type SeededResource, seedResource } from "./seed.ts";

/** Our server, serving and seeded, with what the bench needs around it. */
export interface PartnerkitEnvironment {
  issuer: BenchIssuer;
  jwks: JwksServer;
  ours: ChildServer;
  /** Holds the SQLite database (`databaseFile(dataDir)`); removed on close. */
  dataDir: string;
  seeded: SeededResource;
  /** Runs `cleanup` on close, before what was set up earlier is torn down. */
  defer(cleanup: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface PartnerkitEnvironmentOptions {
  /** Who the installation belongs to; each suite may use its own. */
  caller: BenchCaller;
  /** `VERCEL_API_URL` for the server, e.g. an emulated Vercel API in the bench. */
  vercelApiUrl?: string;
  profileDir?: string;
  /** The integration module to serve (see `startPartnerkit`). */
  integration?: string;
}

/**
 * An issuer and its JWKS server, our server over SQLite in a fresh temporary directory, and the
 * state created through the Partner API with signed tokens: an installation and an Acme KV
 * resource (see `seedResource`). Whatever was started is stopped again if a later step fails.
 */
export async function startPartnerkitEnvironment(
  options: PartnerkitEnvironmentOptions,
): Promise<PartnerkitEnvironment> {
  const cleanups = new Cleanups();
  const close = () => cleanups.run();
  try {
    const { issuer, jwks } = await startSigning(cleanups);
    const dataDir = await mkdtemp(join(tmpdir(), "partnerkit-bench-"));
    cleanups.add(() => rm(dataDir, { recursive: true, force: true }));

    const ours = await startPartnerkit({
      jwksUrl: jwks.url,
      dataDir,
      vercelApiUrl: options.vercelApiUrl,
      profileDir: options.profileDir,
      integration: options.integration,
    });
    cleanups.add(() => ours.stop());
    progress(`partnerkit serving at ${ours.url} (pid ${ours.pid}), SQLite in ${dataDir}`);
    const seeded = await seedResource(ours.url, issuer, options.caller);
    progress(`seeded through the Partner API: ${seeded.path}`);
    return {
      issuer,
      jwks,
      ours,
      dataDir,
      seeded,
      defer: (cleanup) => cleanups.add(cleanup),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
