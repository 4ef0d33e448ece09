import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_USAGE } from "../../packages/partnerkit/src/cli/emulator.ts";
import { loadProductConfig } from "../../packages/partnerkit/src/emulator/console/product-config.ts";
import { CLI_NODE_ARGS } from "../support/cli.ts";
import { freePort, spawnNode } from "../support/server-process.ts";
import { EVERY_CONTROL, recordingPartner } from "./metadata-dialect-fixtures.ts";

const CONFIG = {
  products: [
    {
      id: "foreign-db",
      slug: "foreign-db",
      name: "Foreign DB",
      metadataSchema: EVERY_CONTROL,
      protocols: { storage: { status: "enabled", repl: { enabled: true } } },
      deploymentActions: [{ slug: "branch", name: "Create a branch" }],
    },
  ],
  urls: { baseUrl: "https://foreign.example" },
};

let dir: string;
let partnerUrl: string;
let closePartner: () => void;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partnerkit-product-config-"));
  const port = await freePort();
  const server = serve({ fetch: recordingPartner().app.fetch, port });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  partnerUrl = `http://127.0.0.1:${port}`;
  closePartner = () => server.close();
});

afterAll(async () => {
  closePartner();
  await rm(dir, { recursive: true, force: true });
});

async function startEmulator(productConfig: string) {
  const port = await freePort();
  return spawnNode(
    [
      ...CLI_NODE_ARGS,
      "emulator",
      "--product-config",
      productConfig,
      "--port",
      String(port),
      "--partner-url",
      partnerUrl,
    ],
    { PORT: String(port), PARTNERKIT_DEV_DIR: dir },
  );
}

describe("partnerkit emulator --product-config", () => {
  it("documents the flag in --help", () => {
    expect(EMULATOR_USAGE).toContain("[--product-config <file|url>]");
    expect(EMULATOR_USAGE).toContain("partnerkit product-config --json");
  });

  it("offers a foreign partner's product with its real form, read from a file", async () => {
    const file = join(dir, "products.json");
    await writeFile(file, JSON.stringify(CONFIG));
    const emulator = await startEmulator(file);
    try {
      await emulator.waitUntilReady();
      const installed = await fetch(`${emulator.url}/console/install`, {
        method: "POST",
        redirect: "manual",
      });
      expect(installed.status).toBe(303);
      const page = await (
        await fetch(new URL(installed.headers.get("location") ?? "", emulator.url))
      ).text();
      expect(page).toContain('<option value="foreign-db" selected>Foreign DB</option>');
      expect(page).toContain("Primary region");
      expect(page).toMatch(/type="range" name="slider\.storage"/);
      expect(page).toContain("fra1 — Frankfurt, Germany");
    } finally {
      await emulator.stop();
    }
  }, 60_000);

  it("stops with what is wrong when the file is not a product configuration", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, JSON.stringify({ products: [{ name: "no id" }] }));
    const emulator = await startEmulator(file);
    const exit = await emulator.exited;
    expect(exit.code).toBe(1);
    expect(emulator.stderr).toContain("--product-config");
    expect(emulator.stderr).toContain("products");
  }, 60_000);
});

describe("loadProductConfig", () => {
  it("fetches the configuration from a URL once", async () => {
    const asked: string[] = [];
    const products = await loadProductConfig("https://partner.example/product-config", (input) => {
      asked.push(String(input));
      return Promise.resolve(Response.json(CONFIG));
    });
    expect(asked).toEqual(["https://partner.example/product-config"]);
    expect(products).toEqual([
      expect.objectContaining({
        id: "foreign-db",
        name: "Foreign DB",
        repl: true,
        actions: [{ slug: "branch", name: "Create a branch" }],
      }),
    ]);
  });
});
