/**
 * `partnerkit conformance` as a provider runs it: the real CLI against `partnerkit start` in
 * another process, over sockets, with the partner configured only by the environment the
 * conformance command tells it to use — including the deployment action round trip.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { ConformanceReport } from "../../packages/partnerkit/src/emulator/conformance/run-conformance.ts";
import {
  createE2eDatabase,
  freePort,
  killAllPartnerkits,
  spawnPartnerkit,
  startPartnerkit,
} from "../support/server-process.ts";

afterAll(killAllPartnerkits);

it("passes every check, the action round trip included, against `partnerkit start`", async () => {
  const [partnerPort, emulatorPort] = [await freePort(), await freePort()];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const partnerUrl = `http://127.0.0.1:${partnerPort}`;
  const devDir = await mkdtemp(join(tmpdir(), "partnerkit-conformance-"));
  const database = await createE2eDatabase();
  const client = {
    INTEGRATION_CLIENT_ID: "oac_conformance",
    INTEGRATION_CLIENT_SECRET: randomBytes(18).toString("hex"),
  };
  try {
    // The partner trusts the emulator the conformance command is about to start (keys are
    // fetched on the first call) and reports actions to its Vercel API.
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
    const reportFile = join(devDir, "report.json");
    const conformance = spawnPartnerkit({ ...client, PARTNERKIT_DEV_DIR: devDir }, "conformance", [
      "--url",
      partnerUrl,
      "--webhook-url",
      `${partnerUrl}/webhooks`,
      "--action",
      "branch",
      "--port",
      String(emulatorPort),
      "--json",
      reportFile,
    ]);
    const status = await conformance.exited;
    expect(status.code, conformance.stdout + conformance.stderr).toBe(0);
    expect(conformance.stdout).toMatch(/conformance: \d+ passed, 0 failed, 0 skipped/);
    expect(conformance.stdout).toContain(`VERCEL_API_URL=http://localhost:${emulatorPort}`);
    const report = JSON.parse(await readFile(reportFile, "utf8")) as ConformanceReport;
    expect(report.failed).toBe(0);
    expect(report.results.find((result) => result.id === "action-round-trip")?.detail).toMatch(
      /^succeeded in \d+ ms$/,
    );
    await partner.stop();
  } finally {
    await database.drop();
    await rm(devDir, { recursive: true, force: true });
  }
}, 90_000);
