import { describe, expect, it } from "vitest";
import type { ConformanceTarget } from "../../packages/partnerkit/src/emulator/conformance/check.ts";
import { CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks.ts";
import { CHECK_RUN_CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks-check-runs.ts";
import type { ConformanceReport } from "../../packages/partnerkit/src/emulator/conformance/report.ts";
import {
  formatReport,
  runConformance,
} from "../../packages/partnerkit/src/emulator/conformance/run-conformance.ts";
import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { checkRunsOf } from "../../packages/partnerkit/src/emulator/vercel-api/routes/checks.ts";
import { emulatedMarketplace } from "../support/marketplace.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";
import { doubleConcludingPartner } from "./conformance-fakes.ts";

/** What the check run checks build on (an installation and a resource), then those checks. */
const SETUP = new Set(["install", "product-plans", "provision"]);
const CHECK_RUN_IDS = CHECK_RUN_CHECKS.map((check) => check.id);
const checkRunSuite = [...CHECKS.filter((check) => SETUP.has(check.id)), ...CHECK_RUN_CHECKS];

const outcomes = (report: ConformanceReport) =>
  Object.fromEntries(
    report.results
      .filter((result) => CHECK_RUN_IDS.includes(result.id))
      .map((result) => [result.id, `${result.status}: ${result.detail ?? ""}`]),
  );

describe("conformance --check: the check run round trip (spec §8)", () => {
  it("passes against Acme KV's kv-smoke: one conclusion, none more on redelivery, one per rerequest", async () => {
    const market = await emulatedMarketplace();
    try {
      const { emulator } = market;
      const report = await runConformance(
        {
          partner: emulator.partner,
          issuer: emulator.issuer,
          productId: "acme-kv",
          metadata: { region: "iad1" },
          check: "kv-smoke",
          emulator,
          webhook: {
            url: `${PUBLIC_URL}/webhooks`,
            secret: TEST_WEBHOOK_SECRET,
            fetch: async (request) => market.partner.app.fetch(request),
          },
        },
        checkRunSuite,
      );
      expect(outcomes(report), formatReport(report)).toEqual({
        "check-round-trip": expect.stringMatching(/^pass: succeeded in \d+ ms$/),
        "check-redelivery": "pass: ",
        "check-rerequest": expect.stringMatching(/^pass: succeeded in \d+ ms$/),
      });
      // What Vercel saw of the run: two attempts, each running then concluded once.
      const [run] = checkRunsOf(emulator.vercelApi.store).runs.values();
      expect(run?.updates.map((update) => `${update.status} ${update.conclusion ?? ""}`)).toEqual([
        "running ",
        "completed succeeded",
        "running ",
        "completed succeeded",
      ]);
    } finally {
      await market.close();
    }
  }, 60_000);

  it("fails a partner that concludes each run twice, and one that ignores the rerequest", async () => {
    const emulator = await createEmulator({
      url: "https://marketplace.vercel.com",
      partnerUrl: PUBLIC_URL,
      clientId: "oac_test_integration",
      clientSecret: TEST_WEBHOOK_SECRET,
      partnerFetch: async (request) => partner.fetch(request),
    });
    const partner = doubleConcludingPartner(emulator, TEST_WEBHOOK_SECRET);
    const target: ConformanceTarget = {
      partner: emulator.partner,
      issuer: emulator.issuer,
      productId: "plain-db",
      metadata: {},
      check: "smoke",
      checkTimeoutMs: 1_000,
      emulator,
      webhook: {
        url: `${PUBLIC_URL}/webhooks`,
        secret: TEST_WEBHOOK_SECRET,
        fetch: async (request) => partner.fetch(request),
      },
    };
    const report = await runConformance(target, checkRunSuite);
    expect(outcomes(report), formatReport(report)).toEqual({
      "check-round-trip": "fail: 2 conclusions (answered 200, 200), expected exactly 1",
      "check-redelivery":
        "fail: 2 conclusions (answered 200, 200) after a redelivery, expected none",
      "check-rerequest": "fail: no new conclusion within 1000 ms of the rerequest",
    });
  }, 30_000);

  it("skips the check run checks, saying why, without --check", async () => {
    const market = await emulatedMarketplace();
    try {
      const { emulator } = market;
      const report = await runConformance(
        {
          partner: emulator.partner,
          issuer: emulator.issuer,
          productId: "acme-kv",
          metadata: { region: "iad1" },
          emulator,
        },
        checkRunSuite,
      );
      expect(outcomes(report)).toEqual({
        "check-round-trip": "skip: no --check given",
        "check-redelivery": "skip: no --check given",
        "check-rerequest": "skip: no --check given",
      });
    } finally {
      await market.close();
    }
  });
});
