import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { progress } from "../lib/progress.ts";
import { startCeiling } from "../servers/ceiling.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { startPartnerkit } from "../servers/partnerkit.ts";
import { type BenchCaller, BenchIssuer } from "../tokens/issuer.ts";
import { type JwksServer, startJwksServer } from "../tokens/jwks-server.ts";
import { seedResource } from "./seed.ts";

export const CALLER: BenchCaller = {
  installationId: "icfg_bench",
  accountId: "acct_bench",
  userId: "user_bench",
};

/** Both servers, seeded and serving, with what the load needs to address them. */
export interface BenchEnvironment {
  issuer: BenchIssuer;
  jwks: JwksServer;
  ours: ChildServer;
  ceiling: ChildServer;
  path: string;
  close(): Promise<void>;
}

export async function startEnvironment(options: {
  profileDir?: string;
}): Promise<BenchEnvironment> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const issuer = await BenchIssuer.create();
    const jwks = await startJwksServer(issuer.jwks);
    cleanups.push(() => jwks.close());
    const dataDir = await mkdtemp(join(tmpdir(), "partnerkit-bench-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const ours = await startPartnerkit({
      jwksUrl: jwks.url,
      dataDir,
      profileDir: options.profileDir,
    });
    cleanups.push(() => ours.stop());
    progress(`partnerkit serving at ${ours.url} (pid ${ours.pid}), SQLite in ${dataDir}`);
    const seeded = await seedResource(ours.url, issuer, CALLER);
    progress(`seeded through the Partner API: ${seeded.path}`);

    const ceiling = await startCeiling({ jwksUrl: jwks.url, body: seeded.body });
    cleanups.push(() => ceiling.stop());
    progress(`ceiling serving at ${ceiling.url} (pid ${ceiling.pid})`);
    return { issuer, jwks, ours, ceiling, path: seeded.path, close };
  } catch (error) {
    await close();
    throw error;
  }
}
