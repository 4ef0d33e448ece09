import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI_NODE_ARGS } from "../support/cli.ts";
import { REPO_ROOT } from "../support/server-process.ts";

function partnerkit(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PARTNERKIT_INTEGRATION: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const COMMANDS = [
  "start",
  "dev",
  "migrate",
  "emulator",
  "conformance",
  "jobs",
  "refund",
  "credentials",
  "build",
  "reseal",
  "product-config",
];

describe("the partnerkit CLI", () => {
  it.each(COMMANDS)("`%s --help` prints its usage and exits 0", async (command) => {
    const { code, stdout, stderr } = await partnerkit([command, "--help"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage:[\\s\\S]*partnerkit ${command}`));
  });

  it.each(COMMANDS)("`%s --no-such-flag` is one line and the usage, exit 1", async (command) => {
    const { code, stdout, stderr } = await partnerkit([command, "--no-such-flag"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const [first, blank, usage] = stderr.split("\n");
    expect(first).toMatch(/^partnerkit: Unknown option '--no-such-flag'/);
    expect(blank).toBe("");
    expect(usage).toMatch(/^Usage:/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("lists the commands, and names an unknown one", async () => {
    const help = await partnerkit(["--help"]);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command} `);
    const unknown = await partnerkit(["serve"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^partnerkit: unknown command serve\n/);
  });

  it("start without an integration module says so instead of serving nothing", async () => {
    const { code, stderr } = await partnerkit(["start"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^partnerkit: no integration: pass --integration <module>\n/);
  });
});
