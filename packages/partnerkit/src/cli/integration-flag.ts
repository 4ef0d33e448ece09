import { UsageError } from "./parse.ts";

type Env = Record<string, string | undefined>;

export const integrationFlag = { integration: { type: "string", short: "i" } } as const;

export const integrationOption = `  -i, --integration <module>  the integration module (its default export); a .js/.mjs file runs
                              on plain Node, a .ts file needs tsx. Default: PARTNERKIT_INTEGRATION`;

/** The module `--integration` names, or `PARTNERKIT_INTEGRATION`; undefined when neither is set. */
export function integrationPath(values: { integration?: string }, env: Env): string | undefined {
  return values.integration ?? (env.PARTNERKIT_INTEGRATION || undefined);
}

/** As `integrationPath`, for commands that cannot run without an integration. */
export function requiredIntegrationPath(
  values: { integration?: string },
  env: Env,
  usage: string,
): string {
  const path = integrationPath(values, env);
  if (!path) throw new UsageError("no integration: pass --integration <module>", usage);
  return path;
}
