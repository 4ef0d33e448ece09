/**
 * `partnerkit conformance` as a provider runs it: the real CLI against `partnerkit start` in
 * another process, over sockets, with the partner configured only by the environment the
 * conformance command tells it to use — including the deployment action round trip — and beside
 * `partnerkit dev`, with nothing but the partner's URL.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { FLAGS_CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks-flags.ts";
import { ConformanceReport } from "../../packages/partnerkit/src/emulator/conformance/report.ts";
import { startDev } from "../support/browser.ts";
import {
  createE2eDatabase,
  freePort,
  killAllPartnerkits,
  spawnPartnerkit,
  startPartnerkit,
} from "../support/server-process.ts";
import { parseXml } from "../support/xml.ts";

afterAll(killAllPartnerkits);

/** `partnerkit start` on a fresh database, trusting the emulator a conformance run will start on `emulatorPort`. */
async function conformedPartner() {
  const [partnerPort, emulatorPort] = [await freePort(), await freePort()];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const partnerUrl = `http://127.0.0.1:${partnerPort}`;
  const devDir = await mkdtemp(join(tmpdir(), "partnerkit-conformance-"));
  const database = await createE2eDatabase();
  const client = {
    INTEGRATION_CLIENT_ID: "oac_conformance",
    INTEGRATION_CLIENT_SECRET: randomBytes(18).toString("hex"),
  };
  // Keys are fetched on the first call; actions are reported to the emulator's Vercel API.
  const partner = await startPartnerkit({
    ...client,
    PORT: String(partnerPort),
    PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    VERCEL_OIDC_ISSUER: `http://localhost:${emulatorPort}`,
    VERCEL_OIDC_JWKS_URL: `${emulatorUrl}/.well-known/jwks`,
    VERCEL_API_URL: emulatorUrl,
    DATABASE_URL: database.url,
    PUBLIC_URL: partnerUrl,
  });
  return {
    client,
    devDir,
    partnerUrl,
    emulatorPort,
    async close() {
      await partner.stop();
      await database.drop();
      await rm(devDir, { recursive: true, force: true });
    },
  };
}

it("passes every check, the action round trip included, against `partnerkit start`", async () => {
  const { client, devDir, partnerUrl, emulatorPort, close } = await conformedPartner();
  try {
    const [reportFile, junitFile] = [join(devDir, "report.json"), join(devDir, "junit.xml")];
    // Product, metadata and REPL commands come from the integration (PARTNERKIT_INTEGRATION).
    const conformance = spawnPartnerkit({ ...client, PARTNERKIT_DEV_DIR: devDir }, "conformance", [
      "--url",
      partnerUrl,
      "--webhook-url",
      `${partnerUrl}/webhooks`,
      "--action",
      "branch",
      "--check",
      "kv-smoke",
      "--flags",
      "--port",
      String(emulatorPort),
      "--json",
      reportFile,
      "--junit",
      junitFile,
    ]);
    const status = await conformance.exited;
    expect(status.code, conformance.stdout + conformance.stderr).toBe(0);
    expect(conformance.stdout).toMatch(/conformance: \d+ passed, 0 warned, 0 failed, \d+ skipped/);
    expect(conformance.stdout).toContain(`VERCEL_API_URL=http://localhost:${emulatorPort}`);
    const report = ConformanceReport.parse(JSON.parse(await readFile(reportFile, "utf8")));
    expect(report.failed).toBe(0);
    // Only the experimentation round trip is skipped, --flags or not: Acme KV is no flags product.
    expect(
      report.results
        .filter((result) => result.status === "skip")
        .map((result) => `${result.id}: ${result.detail}`),
    ).toEqual(
      FLAGS_CHECKS.map(
        (check) => `${check.id}: acme-kv does not declare the experimentation protocol`,
      ),
    );
    expect(report.results.find((result) => result.id === "action-round-trip")?.detail).toMatch(
      /^succeeded in \d+ ms$/,
    );
    expect(report.results.find((result) => result.id === "check-round-trip")?.detail).toMatch(
      /^succeeded in \d+ ms$/,
    );
    const suite = parseXml(await readFile(junitFile, "utf8")).children[0];
    expect(suite?.attributes).toMatchObject({
      tests: String(report.results.length),
      failures: "0",
      skipped: String(FLAGS_CHECKS.length),
    });
  } finally {
    await close();
  }
}, 90_000);

it("profiles a partner from its product-config output alone, as for a server not built with Partnerkit", async () => {
  const { client, devDir, partnerUrl, emulatorPort, close } = await conformedPartner();
  try {
    const printed = spawnPartnerkit({}, "product-config", ["--json"]);
    expect((await printed.exited).code, printed.stderr).toBe(0);
    const configFile = join(devDir, "products.json");
    await writeFile(configFile, printed.stdout);
    const reportFile = join(devDir, "report.json");
    // No integration module: the form defaults and the refused metadata come from the file.
    const conformance = spawnPartnerkit(
      { ...client, PARTNERKIT_DEV_DIR: devDir, PARTNERKIT_INTEGRATION: "" },
      "conformance",
      [
        "--url",
        partnerUrl,
        "--product-config",
        configFile,
        "--port",
        String(emulatorPort),
        "--json",
        reportFile,
      ],
    );
    const status = await conformance.exited;
    expect(status.code, conformance.stdout + conformance.stderr).toBe(0);
    expect(conformance.stdout).toContain(`Products from ${configFile}.`);
    const report = ConformanceReport.parse(JSON.parse(await readFile(reportFile, "utf8")));
    expect(report.failed).toBe(0);
    expect(report.results.find((result) => result.id === "invalid-metadata")?.status).toBe("pass");
  } finally {
    await close();
  }
}, 90_000);

it("checks the server of a running `partnerkit dev` with only its URL, and never fights for its port", async () => {
  const dev = await startDev();
  try {
    const conformance = (...args: string[]) => {
      const run = spawnPartnerkit(
        { PARTNERKIT_DEV_DIR: dev.devDir, PARTNERKIT_INTEGRATION: "" },
        "conformance",
        ["--url", dev.partnerUrl, ...args],
      );
      return run.exited.then((status) => ({ ...status, output: run.stdout + run.stderr }));
    };
    const alone = await conformance();
    expect(alone.code, alone.output + dev.output()).toBe(0);
    expect(alone.output).toContain(`as the running emulator ${dev.emulatorUrl}`);
    expect(alone.output).toMatch(/Products from \S+acme-kv\S+index\.ts/);
    expect(alone.output).toMatch(/conformance: \d+ passed, \d+ warned, 0 failed, \d+ skipped/);
    // Only what needs the emulator's own state is skipped, and it says why.
    expect(alone.output).toMatch(/SKIP .*whose state this command cannot read/);

    const samePort = await conformance("--port", new URL(dev.emulatorUrl).port);
    expect(samePort.code, samePort.output).toBe(0);
    expect(samePort.output).toContain(`as the running emulator ${dev.emulatorUrl}`);

    const named = await conformance("--emulator-url", dev.emulatorUrl);
    expect(named.code, named.output).toBe(0);

    const taken = await conformance("--port", new URL(dev.partnerUrl).port);
    expect(taken.code).toBe(1);
    expect(taken.output).toMatch(
      /^partnerkit: port \d+ is taken by something that is not an emulator/,
    );
    expect(taken.output).not.toMatch(/\n\s+at /);
  } finally {
    await dev.stop();
  }
}, 180_000);
