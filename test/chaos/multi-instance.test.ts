/**
 * `npm run chaos` in small (docs/reliability.md): three `partnerkit start` processes on one
 * PostgreSQL schema behind a round-robin proxy, the emulator as Vercel, one instance killed with
 * `kill -9` and one rolled while deployment actions are in flight.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChaos } from "../../bench/chaos/chaos-run.ts";
import { renderReport } from "../../bench/chaos/report.ts";
import { TEST_ENGINE } from "../support/database.ts";

describe.skipIf(TEST_ENGINE !== "postgres")("several instances on one PostgreSQL schema", () => {
  it("loses nothing and doubles nothing through a kill -9 and a rolling restart", async () => {
    const report = await runChaos({
      databaseUrl: process.env.TEST_DATABASE_URL ?? "",
      instances: 3,
      installations: 2,
      resourcesPerInstallation: 1,
      deployments: 40,
      concurrency: 6,
      cancelEvery: 8,
      removeEvery: 5,
      rotations: 4,
      transfers: 2,
      uninstallAt: 0.6,
      kills: 1,
      // Costs an idempotency lease (60 s): `npm run chaos` does it.
      killDuringRotation: false,
      // Rolled while still in the load balancer, webhooks arriving until the SIGTERM.
      roll: true,
      drainBeforeRoll: false,
      hookWorkMs: 30,
      redeliveryRatio: 0.25,
      seed: 12,
      logDirectory: await mkdtemp(join(tmpdir(), "partnerkit-chaos-")),
      log: () => {},
    });
    // Each signal came while its instance had calls to Vercel in flight: held until the signal.
    expect(report.disruptions.map((disruption) => disruption.kind)).toEqual(["kill -9", "SIGTERM"]);
    for (const disruption of report.disruptions) expect(disruption.inFlight).toBeGreaterThan(0);
    expect(report.passed, renderReport(report)).toBe(true);
  }, 180_000);
});
