import { createLogger } from "../logger.ts";
import { migrateIntegration } from "../runtime.ts";
import { integrationFlag, integrationOption, integrationPath } from "./integration-flag.ts";
import { loadIntegration } from "./load-integration.ts";
import { parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit migrate [--integration <module>]

  Applies Partnerkit's migrations to DATABASE_URL (default .partnerkit/partnerkit.db), and the
  integration's own when its module is a factory that runs them; then exits.

${integrationOption}
`;

export async function migrateCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseCommand(USAGE, { args, options: integrationFlag });
  const path = integrationPath(values, env);
  await migrateIntegration({
    databaseUrl: env.DATABASE_URL || undefined,
    integration: path ? await loadIntegration(path) : undefined,
    publicUrl: env.PUBLIC_URL,
    logger: createLogger(),
  });
  process.stdout.write("migrations applied\n");
  return 0;
}
