import { createRequire } from "node:module";
import { join } from "node:path";

/**
 * Where `specifier` resolves from the project in the working directory (the provider's own
 * devDependencies), else from Partnerkit's own place; undefined when neither has it.
 */
export function resolveFromProject(specifier: string): string | undefined {
  for (const base of [join(process.cwd(), "package.json"), import.meta.url]) {
    try {
      return createRequire(base).resolve(specifier);
    } catch {
      // not installed there
    }
  }
  return undefined;
}
