import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { createPartnerkit } from "../runtime.ts";
import { integrationFlag, integrationOption, requiredIntegrationPath } from "./integration-flag.ts";
import { loadIntegration } from "./load-integration.ts";
import { parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit start --integration <module>

  Serves the integration on PORT until SIGINT/SIGTERM, with its job workers and billing schedule.
  Configuration comes from the environment (INTEGRATION_CLIENT_ID, INTEGRATION_CLIENT_SECRET,
  PARTNERKIT_ENCRYPTION_KEY, DATABASE_URL, … see the README).

${integrationOption}
`;

type Env = Record<string, string | undefined>;

/** `partnerkit start`: `loadConfig()` + `createPartnerkit()`, served until a signal. */
export async function startCommand(args: string[], env: Env): Promise<number> {
  const { values } = parseCommand(USAGE, { args, options: integrationFlag });
  const path = requiredIntegrationPath(values, env, USAGE);
  const config = loadConfig(env);
  const logger = createLogger(env.LOG_LEVEL);
  const partnerkit = createPartnerkit({
    ...config,
    integration: await loadIntegration(path),
    logger,
  });
  const url = await partnerkit.listen(config.port);
  process.stdout.write(`Partnerkit serving ${path} at ${url}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await partnerkit.stop();
  // Jobs still running were handed back to the queue by stop(); a handler that ignores its abort
  // signal (a Vercel call in its retries) must not keep the process alive past the grace.
  process.exit(0);
}
