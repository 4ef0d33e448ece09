import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packTarballs, sh, type Tarballs } from "./pack.ts";

/** The runner's npm and Node settings stay out: the project is used as a provider's shell would. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !name.toLowerCase().startsWith("npm_") && name !== "NODE_OPTIONS",
  ),
);

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, a non-zero exit included; only a timeout or a spawn error throws. */
async function exitOf(cwd: string, command: string, args: string[], timeoutMs?: number) {
  try {
    const { stdout, stderr } = await sh(cwd, command, args, env, timeoutMs);
    return { code: 0, stdout, stderr } satisfies Exit;
  } catch (error) {
    const failed = error as Partial<Exit> & { code?: unknown };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

let tarballs: Tarballs;
let workspace: string;
let project: string;

/** `npm create partnerkit@latest …` as npm runs it, from the packed tarball. */
const create = (...args: string[]) =>
  exitOf(workspace, "npm", [
    "exec",
    "--yes",
    `--package=${tarballs.createPartnerkit}`,
    "--",
    "create-partnerkit",
    ...args,
  ]);

beforeAll(async () => {
  tarballs = await packTarballs();
  workspace = await mkdtemp(join(tmpdir(), "create-partnerkit-"));
  project = join(workspace, "my-integration");
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

/** Every file of a directory, relative to it, `node_modules` aside. */
async function filesOf(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.parentPath.includes("node_modules"))
    .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
    .sort();
}

describe("npm create partnerkit", () => {
  it("answers --help with its usage", async () => {
    const help = await create("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: create-partnerkit <directory>/);
  });

  it("refuses an unknown flag with one line and the usage", async () => {
    const refused = await create("my-integration", "--typescript");
    expect(refused.code).toBe(1);
    expect(refused.stderr.split("\n")[0]).toMatch(
      /^create-partnerkit: Unknown option '--typescript'/,
    );
    expect(refused.stderr).toContain("Usage: create-partnerkit");
    expect(existsSync(project)).toBe(false);
  });

  it("scaffolds a project named after its directory, on the given partnerkit", async () => {
    const created = await create(project, "--partnerkit", `file:${tarballs.partnerkit}`);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("npm install");
    expect(created.stdout).toContain("npm run dev");
    expect(created.stdout).toContain("npm test");

    expect(await filesOf(project)).toEqual([
      ".gitignore",
      "README.md",
      "package.json",
      "src/integration.ts",
      "test/integration.test.ts",
      "tsconfig.build.json",
      "tsconfig.json",
    ]);
    const manifest = JSON.parse(await readFile(join(project, "package.json"), "utf8"));
    expect(manifest.name).toBe("my-integration");
    expect(manifest.dependencies.partnerkit).toBe(`file:${tarballs.partnerkit}`);
    const integration = await readFile(join(project, "src/integration.ts"), "utf8");
    expect(integration).toContain('id: "my-integration"');
    expect(integration).toContain('name: "My Integration"');
    expect(integration).toContain('"MY_INTEGRATION_API_KEY"');
    for (const file of await filesOf(project)) {
      expect(await readFile(join(project, file), "utf8"), file).not.toMatch(/__[A-Z_]+__/);
    }
  });

  it("refuses a directory that is not empty", async () => {
    const occupied = join(workspace, "occupied");
    await mkdir(occupied);
    await writeFile(join(occupied, "notes.txt"), "mine\n");
    const refused = await create(occupied);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^create-partnerkit: .*occupied is not empty/),
    ]);
    expect(await readdir(occupied)).toEqual(["notes.txt"]);
  });

  it("installs, type-checks and passes its own tests", async () => {
    const install = await exitOf(project, "npm", ["install", "--no-audit", "--no-fund"], 480_000);
    expect(install.code, install.stderr).toBe(0);

    const tests = await exitOf(project, "npm", ["test"], 120_000);
    expect(tests.code, `${tests.stdout}\n${tests.stderr}`).toBe(0);
    expect(tests.stdout).toMatch(/^# pass [1-9]\d*$/m);
    expect(tests.stdout).toMatch(/^# fail 0$/m);

    const typecheck = await exitOf(project, "npx", ["tsc", "--noEmit"], 120_000);
    expect(typecheck.code, typecheck.stdout).toBe(0);
  });
});
