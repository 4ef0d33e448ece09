import { startVercelApi } from "../action-turnaround/vercel-api.ts";
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

/**
 * The emulated Vercel API answers the usage report the billing schedule sends soon after start,
 * which would otherwise go to the real API.
 */
export async function startEnvironment(options: {
  profileDir?: string;
}): Promise<BenchEnvironment> {
  const vercel = await startVercelApi();
  let env: PartnerkitEnvironment;
  try {
    env = await startPartnerkitEnvironment({
      caller: CALLER,
      vercelApiUrl: vercel.url,
      profileDir: options.profileDir,
    });
  } catch (error) {
    await vercel.close();
    throw error;
  }
  const close = async () => {
    await env.close();
    await vercel.close();
  };
  try {
    const ceiling = await startCeiling({ jwksUrl: env.jwks.url, body: env.seeded.body });
    env.defer(() => ceiling.stop());
    progress(`ceiling serving at ${ceiling.url} (pid ${ceiling.pid})`);
    return { ...env, ceiling, path: env.seeded.path, close };
  } catch (error) {
    await close();
    throw error;
  }
}
