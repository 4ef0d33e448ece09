import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../config.ts";
import type { IntegrationSource } from "../runtime.ts";

/** A path Node cannot import without a TypeScript loader. */
export const isTypeScript = (path: string) => /\.[mc]?tsx?$/.test(path);

/**
 * Imports the module that `--integration` names and returns its default export: an integration
 * or a factory of one. A TypeScript file is loaded through tsx's loader, registered only then,
 * so a compiled integration runs on plain Node.
 */
export async function loadIntegration(modulePath: string): Promise<IntegrationSource> {
  const url = pathToFileURL(resolve(modulePath)).href;
  if (isTypeScript(modulePath)) await registerTypeScript(modulePath);
  let loaded: { default?: unknown };
  try {
    loaded = await import(url);
  } catch (error) {
    if (
      (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" &&
      String(error).includes(resolve(modulePath))
    ) {
      throw new ConfigError(`Integration module ${modulePath} not found`);
    }
    throw error;
  }
  return defaultIntegration(loaded, modulePath);
}

/** The module's default export when it is an integration or a factory of one. */
export function defaultIntegration(
  loaded: { default?: unknown },
  modulePath: string,
): IntegrationSource {
  const integration = loaded.default;
  if (typeof integration === "function" || isIntegration(integration)) {
    return integration as IntegrationSource;
  }
  throw new ConfigError(
    `${modulePath} must export default an integration (defineIntegration(…)) or a function returning one`,
  );
}

function isIntegration(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { products?: unknown }).products) &&
    typeof (value as { product?: unknown }).product === "function"
  );
}

async function registerTypeScript(modulePath: string): Promise<void> {
  let tsx: { register(): unknown };
  try {
    tsx = await import("tsx/esm/api");
  } catch {
    throw new ConfigError(
      `${modulePath} is TypeScript: install tsx (npm install --save-dev tsx) or pass the compiled .js file`,
    );
  }
  tsx.register();
}
