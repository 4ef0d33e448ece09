import { progress } from "../lib/progress.ts";
import { startCeiling } from "../servers/ceiling.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { type PartnerkitEnvironment, startPartnerkitEnvironment } from "../servers/environment.ts";
import type { BenchCaller } from "../tokens/issuer.ts";

export const CALLER: BenchCaller = {
  installationId: "icfg_bench",
  accountId: "acct_bench",
  userId: "user_bench",
};

/** Both servers, seeded and serving, with what the load needs to address them. */
export interface BenchEnvironment extends PartnerkitEnvironment {
  ceiling: ChildServer;
  path: string;
}

export async function startEnvironment(options: {
  profileDir?: string;
}): Promise<BenchEnvironment> {
  const env = await startPartnerkitEnvironment({ caller: CALLER, profileDir: options.profileDir });
  try {
    const ceiling = await startCeiling({ jwksUrl: env.jwks.url, body: env.seeded.body });
    env.defer(() => ceiling.stop());
    progress(`ceiling serving at ${ceiling.url} (pid ${ceiling.pid})`);
    return { ...env, ceiling, path: env.seeded.path };
  } catch (error) {
    await env.close();
    throw error;
  }
}
