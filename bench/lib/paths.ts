import { fileURLToPath } from "node:url";

/** The repository root, whatever the current directory. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const BENCHMARKS_DOC = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));

export function repoFile(relativePath: string): string {
  return fileURLToPath(new URL(`../../${relativePath}`, import.meta.url));
}
