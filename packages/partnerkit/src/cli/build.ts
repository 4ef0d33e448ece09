import { rm } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../config.ts";
import { integrationFlag, integrationOption, requiredIntegrationPath } from "./integration-flag.ts";
import { parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit build --integration <module> [--outdir <dir>]

  Bundles the integration, Partnerkit and their dependencies into <dir>/server.mjs (default
  dist/server), a server that runs as \`partnerkit start\` does with plain \`node <dir>/server.mjs\`
  and starts several times faster: loading hundreds of separate modules is most of a cold start.
  The database drivers stay in node_modules, so keep <dir> inside the project. Needs esbuild
  (npm install --save-dev esbuild).

${integrationOption}
  -o, --outdir <dir>           where to write the server (emptied first). Default: dist/server
`;

type Env = Record<string, string | undefined>;

/** Kept out of the bundle: a native addon, drivers and loaders imported only when needed. */
const EXTERNAL = ["better-sqlite3", "pg", "pg-native", "tsx", "esbuild"];

/** CommonJS dependencies bundled into ESM call `require`; this gives them Node's. */
const REQUIRE_BANNER =
  'import { createRequire as __partnerkitCreateRequire } from "node:module";\n' +
  "const require = __partnerkitCreateRequire(import.meta.url);";

/** `partnerkit build`: one directory holding the whole server of an integration. */
export async function buildCommand(args: string[], env: Env): Promise<number> {
  const { values } = parseCommand(USAGE, {
    args,
    options: { ...integrationFlag, outdir: { type: "string", short: "o" } },
  });
  const integration = resolve(requiredIntegrationPath(values, env, USAGE));
  const outdir = resolve(values.outdir ?? "dist/server");
  const esbuild = await importEsbuild();
  await rm(outdir, { recursive: true, force: true });
  // built-server.js next to this file once compiled, built-server.ts when run from source.
  const here = fileURLToPath(import.meta.url);
  const serverEntry = resolve(here, "..", `built-server${extname(here)}`);
  await esbuild.build({
    stdin: {
      contents: [
        `import { runBuiltServer } from ${JSON.stringify(serverEntry)};`,
        `runBuiltServer(${JSON.stringify(integration)}, () => import(${JSON.stringify(integration)}));`,
      ].join("\n"),
      resolveDir: process.cwd(),
      sourcefile: "server.mjs",
      loader: "js",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // The integration and the Vercel SDK load as their own chunks, after the port is open.
    splitting: true,
    outdir,
    entryNames: "server",
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    external: EXTERNAL,
    banner: { js: REQUIRE_BANNER },
    sourcemap: "linked",
    logLevel: "warning",
  });
  process.stdout.write(
    `Built ${resolve(outdir, "server.mjs")}: run it with node, configured as for partnerkit start\n`,
  );
  return 0;
}

async function importEsbuild(): Promise<typeof import("esbuild")> {
  try {
    return await import("esbuild");
  } catch {
    throw new ConfigError("partnerkit build needs esbuild: npm install --save-dev esbuild");
  }
}
