import { loadConfig, type ServerConfig } from "../config.ts";
import { type BootServer, listenWhileLoading } from "./boot-server.ts";
import { integrationFlag, integrationOption, requiredIntegrationPath } from "./integration-flag.ts";
import { parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit start --integration <module>

  Serves the integration on PORT until SIGINT/SIGTERM, with its job workers and billing schedule.
  Configuration comes from the environment (INTEGRATION_CLIENT_ID, INTEGRATION_CLIENT_SECRET,
  PARTNERKIT_ENCRYPTION_KEY, DATABASE_URL, … see the README).

${integrationOption}
`;

type Env = Record<string, string | undefined>;

/**
 * `partnerkit start`: `loadConfig()` + `createPartnerkit()`, served until a signal. The port is
 * open before the runtime's modules load: `/healthz` answers from the first moment, `/readyz`
 * once migrations are done, and requests that arrive meanwhile wait instead of being refused.
 */
export async function startCommand(args: string[], env: Env): Promise<number> {
  const { values } = parseCommand(USAGE, { args, options: integrationFlag });
  const path = requiredIntegrationPath(values, env, USAGE);
  const config = loadConfig(env);
  const boot = await listenWhileLoading(config.port);
  const stopping = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  let partnerkit: Awaited<ReturnType<typeof serveIntegration>>;
  try {
    partnerkit = await serveIntegration(path, config, env, boot);
  } catch (error) {
    await boot.close();
    throw error;
  }
  process.stdout.write(`Partnerkit serving ${path} at http://localhost:${config.port}\n`);
  await stopping;
  await boot.close();
  await partnerkit.stop();
  // Jobs still running were handed back to the queue by stop(); a handler that ignores its abort
  // signal (a Vercel call in its retries) must not keep the process alive past the grace.
  process.exit(0);
}

/** Loads the runtime and the integration, hands the boot server's requests to it and starts its jobs. */
async function serveIntegration(path: string, config: ServerConfig, env: Env, boot: BootServer) {
  const [{ createPartnerkit }, { createLogger }, { loadIntegration }, { getRequestListener }] =
    await Promise.all([
      import("../runtime.ts"),
      import("../logger.ts"),
      import("./load-integration.ts"),
      import("@hono/node-server"),
    ]);
  const logger = createLogger(env.LOG_LEVEL);
  const partnerkit = createPartnerkit({
    ...config,
    integration: await loadIntegration(path),
    logger,
  });
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
