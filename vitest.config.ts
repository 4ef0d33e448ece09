import { defineConfig } from "vitest/config";

// Engine-free unit tests and the browser test run once; everything that touches storage runs on SQLite, and again on
// PostgreSQL when TEST_DATABASE_URL is set.
const engines = ["sqlite", ...(process.env.TEST_DATABASE_URL ? ["postgres"] : [])];

export default defineConfig({
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
      ...engines.map((engine) => ({
        extends: true as const,
        test: {
          name: engine,
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**", "test/browser/**"],
          env: { PARTNERKIT_TEST_ENGINE: engine },
        },
      })),
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
