import { integrationFlag, integrationOption, requiredIntegrationPath } from "./integration-flag.ts";
import { parseCommand } from "./parse.ts";
import { serveUntilSignal } from "./serve.ts";

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
  return serveUntilSignal({
    env,
    name: path,
    loadIntegration: async () => (await import("./load-integration.ts")).loadIntegration(path),
  });
}
