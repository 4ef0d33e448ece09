import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string) =>
  fileURLToPath(new URL(`packages/partnerkit/src/${path}`, import.meta.url));

// Engine-free unit tests and the browser test run once; everything that touches storage runs on SQLite, and again on
// PostgreSQL when TEST_DATABASE_URL is set.
const engines = ["sqlite", ...(process.env.TEST_DATABASE_URL ? ["postgres"] : [])];

export default defineConfig({
  // `partnerkit`, as the example imports it, is the source under test, never a stale dist/.
  resolve: {
    alias: [
      { find: /^partnerkit$/, replacement: source("index.ts") },
      { find: /^partnerkit\/(emulator|testing)$/, replacement: source("$1/index.ts") },
    ],
  },
  test: {
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The packed tarballs installed into empty projects, as a provider gets them: once, not per engine.
        extends: true,
        test: {
          name: "package",
          include: ["test/package/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      ...engines.map((engine) => ({
        extends: true as const,
        test: {
          name: engine,
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**", "test/browser/**", "test/package/**"],
          env: { PARTNERKIT_TEST_ENGINE: engine },
        },
      })),
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
