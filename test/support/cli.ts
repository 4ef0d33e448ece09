/**
 * How tests run the CLI: from TypeScript source, with `partnerkit` (as the example imports it)
 * resolved to the same source through the `partnerkit-source` export condition, so one copy of
 * the framework is loaded. The packaging test runs the compiled package instead.
 */
export const CLI_NODE_ARGS = [
  "--conditions=partnerkit-source",
  "--import",
  "tsx",
  "packages/partnerkit/src/cli/main.ts",
];

/** The Acme KV example's integration module, as `npm run dev` serves it. */
export const ACME_KV_MODULE = "examples/acme-kv/src/index.ts";
