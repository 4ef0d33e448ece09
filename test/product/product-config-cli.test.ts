import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ACME_KV_MODULE, CLI_NODE_ARGS } from "../support/cli.ts";
import { REPO_ROOT } from "../support/server-process.ts";

const UNFINISHED = "test/product/fixtures/unfinished-db.ts";

function productConfig(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, "product-config", ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PARTNERKIT_INTEGRATION: "", PUBLIC_URL: "", ...env },
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

describe("partnerkit product-config", () => {
  it("prints Acme KV's metadata schema to paste and the console URLs for PUBLIC_URL", async () => {
    const { code, stdout, stderr } = await productConfig(["--integration", ACME_KV_MODULE], {
      PUBLIC_URL: "https://kv.example.com",
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Product acme-kv: Acme KV\n {2}Protocols: storage, checks; primary storage\n/,
    );
    expect(stdout).toContain("  REPL: enabled, read-only mode supported");
    expect(stdout).toContain(
      "  Deployment actions: branch (Branch the database for the deployment)",
    );
    expect(stdout).toContain('"ui:control": "vercel-region"');
    expect(stdout).toContain("  Redirect Login URL  https://kv.example.com/sso\n");
    expect(stdout).toContain("  Webhook URL         https://kv.example.com/webhooks\n");
  });

  it("answers one JSON document with --json, checked clean with --check", async () => {
    const { code, stdout } = await productConfig([
      "-i",
      ACME_KV_MODULE,
      "--public-url",
      "https://kv.example.com/",
      "--json",
      "--check",
    ]);
    expect(code).toBe(0);
    const document = JSON.parse(stdout);
    expect(document.problems).toEqual([]);
    expect(document.urls.baseUrl).toBe("https://kv.example.com");
    expect(document.products[0].metadataSchema.properties.maxMemoryMb["ui:paid-only"]).toBe(true);
  });

  it("exits 1 with --check on an error, naming it, and shows warnings beside it", async () => {
    const { code, stdout } = await productConfig(["-i", UNFINISHED, "--check"]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      "Set PUBLIC_URL or pass --public-url to print the integration's URLs.",
    );
    expect(stdout).toContain(
      "ERROR unfinished-db: primaryProtocol ai is not an enabled protocol of the product\n",
    );
    expect(stdout).toContain(
      "WARN unfinished-db: field size is required and has no default: Vercel's CLI and agents cannot provision without a browser\n",
    );
    expect(stdout).toMatch(/check: 1 error\(s\), 1 warning\(s\)\n$/);
  });

  it("prints without checking, exit 0, when --check is not given", async () => {
    const { code, stdout } = await productConfig(["-i", UNFINISHED]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("ERROR");
  });

  it("needs an integration", async () => {
    const { code, stderr } = await productConfig([]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^partnerkit: no integration: pass --integration <module>\n/);
  });
});
