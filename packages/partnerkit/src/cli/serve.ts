import { loadConfig, type ServerConfig } from "../config.ts";
import type { IntegrationSource } from "../runtime.ts";
import { type BootServer, listenWhileLoading } from "./boot-server.ts";

type Env = Record<string, string | undefined>;

export interface ServeOptions {
  env: Env;
  /** How the integration is named in the output: its module path. */
  name: string;
  /** Imports the integration; called once the port is open. */
  loadIntegration: () => Promise<IntegrationSource>;
}

/**
 * What `partnerkit start` and a server built by `partnerkit build` do: serves the integration
 * with `loadConfig()` + `createPartnerkit()` until SIGINT/SIGTERM, then stops and exits 0. The
 * port is open before the runtime's modules load: `/healthz` answers from the first moment,
 * `/readyz` once migrations are done, and requests that arrive meanwhile wait instead of being
 * refused.
 */
export async function serveUntilSignal({
  env,
  name,
  loadIntegration,
}: ServeOptions): Promise<number> {
  const config = loadConfig(env);
  const boot = await listenWhileLoading(config.port);
  const stopping = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  let partnerkit: Awaited<ReturnType<typeof serveIntegration>>;
  try {
    partnerkit = await serveIntegration(config, env, boot, loadIntegration);
  } catch (error) {
    await boot.close();
    throw error;
  }
  process.stdout.write(`Partnerkit serving ${name} at http://localhost:${config.port}\n`);
  await stopping;
  await boot.close();
  await partnerkit.stop();
  // Jobs still running were handed back to the queue by stop(); a handler that ignores its abort
  // signal (a Vercel call in its retries) must not keep the process alive past the grace.
  process.exit(0);
}

/** Loads the runtime and the integration, hands the boot server's requests to it and starts its jobs. */
async function serveIntegration(
  config: ServerConfig,
  env: Env,
  boot: BootServer,
  loadIntegration: () => Promise<IntegrationSource>,
) {
  const [{ createPartnerkit }, { createLogger }, { getRequestListener }, integration] =
    await Promise.all([
      import("../runtime.ts"),
      import("../logger.ts"),
      import("@hono/node-server"),
      loadIntegration(),
    ]);
  const logger = createLogger(env.LOG_LEVEL);
  const partnerkit = createPartnerkit({ ...config, integration, logger });
  boot.handOver(getRequestListener(partnerkit.fetch));
  try {
    await partnerkit.start();
  } catch (error) {
    await partnerkit.stop();
    throw error;
  }
  logger.info({ port: config.port }, "partnerkit listening");
  return partnerkit;
}
