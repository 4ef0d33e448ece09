#!/usr/bin/env node
// @ts-check
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const USAGE = `Usage: create-partnerkit <directory> [--partnerkit <version>]

  Creates a Vercel Marketplace integration built on Partnerkit in <directory> (new or empty).
  npm create partnerkit@latest my-integration runs it.

Options:
  --partnerkit <version>  the partnerkit dependency: an npm version spec, a tag or a file:
                          tarball (default: ^ this scaffolder's own version)
  -h, --help              this help
`;

const TEMPLATE = fileURLToPath(new URL("./template", import.meta.url));

/** Files that npm pack would drop or rename under their real name. */
const RENAMED = new Map([["gitignore", ".gitignore"]]);

/** A one-line refusal: printed with the program's name, exit 1. */
class Refusal extends Error {}

/**
 * @param {string[]} args
 * @returns {Promise<number>}
 */
async function main(args) {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  /** @type {{ values: { partnerkit?: string }, positionals: string[] }} */
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { partnerkit: { type: "string" } },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const [directory, ...extra] = parsed.positionals;
  if (!directory) return usageError("Which directory? e.g. create-partnerkit my-integration");
  if (extra.length > 0) return usageError(`One directory only, not also ${extra.join(" ")}`);

  const target = resolve(directory);
  const names = namesFor(basename(target));
  await ensureEmpty(target);
  const version = await ownVersion();
  await copyTemplate(TEMPLATE, target, {
    __PACKAGE_NAME__: names.packageName,
    __PRODUCT_ID__: names.productId,
    __PRODUCT_NAME__: names.productName,
    __ENV_PREFIX__: names.envPrefix,
  });
  await setPartnerkitDependency(target, parsed.values.partnerkit ?? `^${version}`);

  const cd = relative(process.cwd(), target);
  const install = cd
    ? `cd ${/\s/.test(cd) ? JSON.stringify(cd) : cd} && npm install`
    : "npm install";
  process.stdout.write(
    [
      "",
      `Created ${names.packageName} in ${target}. Next:`,
      "",
      `  ${install}`,
      "  npm run dev   your integration beside a local Marketplace emulator",
      "  npm test      its tests, with the emulator in-process",
      "",
      "",
    ].join("\n"),
  );
  return 0;
}

/**
 * The names a directory gives the project: its npm package name, the product id (a slug), the
 * name shown to customers and the prefix of the env vars its resources hand out.
 * @param {string} directoryName
 */
function namesFor(directoryName) {
  const words = directoryName
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) {
    throw new Refusal(`Cannot name a project after "${directoryName}": use letters or digits`);
  }
  const productId = words.join("-");
  const envPrefix = words.join("_").toUpperCase();
  return {
    packageName: productId,
    productId,
    productName: words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join(" "),
    envPrefix: /^[0-9]/.test(envPrefix) ? `_${envPrefix}` : envPrefix,
  };
}

/** @param {string} target */
async function ensureEmpty(target) {
  if (!existsSync(target)) return;
  const info = await stat(target);
  if (!info.isDirectory()) throw new Refusal(`${target} exists and is not a directory`);
  if ((await readdir(target)).length > 0) {
    throw new Refusal(`${target} is not empty: pick a new directory or empty this one`);
  }
}

async function ownVersion() {
  const manifest = JSON.parse(await readFile(new URL("./package.json", import.meta.url), "utf8"));
  return String(manifest.version);
}

/**
 * Copies the template, writing each placeholder's value in every file.
 * @param {string} from
 * @param {string} to
 * @param {Record<string, string>} placeholders
 */
async function copyTemplate(from, to, placeholders) {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const destination = join(to, RENAMED.get(entry.name) ?? entry.name);
    if (entry.isDirectory()) {
      await copyTemplate(source, destination, placeholders);
      continue;
    }
    let text = await readFile(source, "utf8");
    for (const [placeholder, value] of Object.entries(placeholders)) {
      text = text.replaceAll(placeholder, value);
    }
    await writeFile(destination, text);
  }
}

/**
 * @param {string} target
 * @param {string} spec
 */
async function setPartnerkitDependency(target, spec) {
  const path = join(target, "package.json");
  const manifest = JSON.parse(await readFile(path, "utf8"));
  manifest.dependencies = { ...manifest.dependencies, partnerkit: spec };
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** @param {string} message */
function usageError(message) {
  process.stderr.write(`create-partnerkit: ${message}\n\n${USAGE}`);
  return 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof Refusal)) throw error;
  process.stderr.write(`create-partnerkit: ${error.message}\n`);
  process.exitCode = 1;
}
