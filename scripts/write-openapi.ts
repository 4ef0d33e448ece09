/** `npm run openapi`: rewrites docs/partner-api.openapi.json from the route declarations. */
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { committedDocument, OPENAPI_FILE } from "./openapi-file.ts";

const file = fileURLToPath(OPENAPI_FILE);
await writeFile(file, JSON.stringify(committedDocument()));
// Laid out as `npm run lint` expects it.
execFileSync("npx", ["biome", "format", "--write", file], { stdio: "inherit" });
process.stdout.write(`wrote ${file}\n`);
