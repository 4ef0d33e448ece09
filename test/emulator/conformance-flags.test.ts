import { describe, expect, it } from "vitest";
import type { ConformanceTarget } from "../../packages/partnerkit/src/emulator/conformance/check.ts";
import { CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks.ts";
import { FLAGS_CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks-flags.ts";
import { productProfile } from "../../packages/partnerkit/src/emulator/conformance/product-profile.ts";
import type { ConformanceReport } from "../../packages/partnerkit/src/emulator/conformance/report.ts";
import {
  formatReport,
  runConformance,
} from "../../packages/partnerkit/src/emulator/conformance/run-conformance.ts";
import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { flagsMarket } from "../acme-flags/support.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";
import { carelessFlagsPartner } from "./conformance-fakes.ts";

/** What the flags checks build on (an installation and a plan), then those checks. */
const SETUP = new Set(["install", "product-plans"]);
const FLAGS_IDS = FLAGS_CHECKS.map((check) => check.id);
const flagsSuite = [...CHECKS.filter((check) => SETUP.has(check.id)), ...FLAGS_CHECKS];

const outcomes = (report: ConformanceReport) =>
  Object.fromEntries(
    report.results
      .filter((result) => FLAGS_IDS.includes(result.id))
      .map((result) => [result.id, `${result.status}: ${result.detail ?? ""}`]),
  );

/** The careless flags partner behind an emulator, and a target for it. */
async function carelessTarget(): Promise<ConformanceTarget> {
  const emulator = await createEmulator({
    url: "https://marketplace.vercel.com",
    partnerUrl: PUBLIC_URL,
    clientId: "oac_test_integration",
    clientSecret: TEST_WEBHOOK_SECRET,
    partnerFetch: async (request) => partner.fetch(request),
  });
  const partner = carelessFlagsPartner(emulator, TEST_WEBHOOK_SECRET);
  return {
    partner: emulator.partner,
    issuer: emulator.issuer,
    productId: "plain-flags",
    metadata: {},
    emulator,
    flags: true,
    flagsTimeoutMs: 2_000,
    flagsQuietMs: 500,
  };
}

describe("conformance --flags: the experimentation round trip (spec §5.18, §11.3)", () => {
  it("passes against Acme Flags: it retries through the provisioning window, pushes after each new Edge Config, and never without one", async () => {
    const market = await flagsMarket();
    try {
      const { emulator } = market;
      const profile = productProfile(market.internals.integration, "acme-flags");
      expect(profile).toMatchObject({ metadata: { sampleFlag: true }, experimentation: true });
      const report = await runConformance(
        {
          partner: emulator.partner,
          issuer: emulator.issuer,
          productId: "acme-flags",
          metadata: profile?.metadata ?? {},
          experimentation: profile?.experimentation,
          flags: true,
          emulator,
        },
        flagsSuite,
      );
      const refused = (status: number) => `after \\d+ refused \\(${status}(, ${status})*\\)`;
      const pushed = "(global-config|edge-config), \\{ data \\} with 1 key";
      expect(outcomes(report), formatReport(report)).toEqual({
        "flags-first-push": expect.stringMatching(
          new RegExp(
            `^pass: accepted \\d+ ms after Provision Resource with Edge Config ecfg_\\w+, ${refused(409)}; ${pushed}$`,
          ),
        ),
        "flags-new-edge-config": expect.stringMatching(
          new RegExp(
            `^pass: accepted \\d+ ms after Update Resource naming Edge Config ecfg_\\w+, ${refused(404)}; ${pushed}$`,
          ),
        ),
        "flags-no-sync": "pass: none within 2500 ms",
        "flags-sync-turned-on": expect.stringMatching(
          /^pass: accepted \d+ ms after Update Resource naming Edge Config ecfg_\w+/,
        ),
        "flags-calls": expect.stringMatching(
          /^pass: configuration pushed to (global-config|edge-config)( and (global-config|edge-config))?; [1-9]\d* items sent$/,
        ),
      });
      // The first push could only be accepted once Vercel had finished (1.5 s).
      const firstPush = report.results.find((result) => result.id === "flags-first-push");
      expect(Number(/accepted (\d+) ms/.exec(firstPush?.detail ?? "")?.[1])).toBeGreaterThanOrEqual(
        1_500,
      );
      // What Vercel holds: the sample flag in the Edge Config of both synced resources.
      const configs = [...emulator.vercelApi.store.flagsConfigs.values()];
      expect(configs).toHaveLength(2);
      for (const config of configs) expect(Object.keys(config.items)).toEqual(["welcome-banner"]);
      // The fault the checks programmed is gone with them.
      expect(emulator.vercelApi.faults.pending()).toEqual([]);
    } finally {
      await market.close();
    }
  }, 60_000);

  it("fails a partner that pushes once without retrying, pushes without an Edge Config, never after an update, and dates items in seconds", async () => {
    const report = await runConformance(await carelessTarget(), flagsSuite);
    expect(outcomes(report), formatReport(report)).toEqual({
      "flags-first-push": expect.stringMatching(
        /^fail: 1 push \(PUT …\/experimentation\/global-config answered 409\), none accepted within 2000 ms of Provision Resource with Edge Config ecfg_\w+: Vercel answers 404 or 409 until it has finished its side \(here for 1500 ms\), and such a refusal must be retried$/,
      ),
      "flags-new-edge-config": expect.stringMatching(
        /^fail: no flags configuration push within 2000 ms of Update Resource naming Edge Config ecfg_\w+$/,
      ),
      "flags-no-sync":
        "fail: 1 push (PUT …/experimentation/global-config answered 404) for a resource provisioned without protocolSettings.experimentation.edgeConfigId: push only once the user turns syncing on",
      "flags-sync-turned-on": expect.stringMatching(
        /^fail: no flags configuration push within 2000 ms of Update Resource naming Edge Config ecfg_\w+$/,
      ),
      "flags-calls":
        "fail: POST …/experimentation/items: `items[0].createdAt` 1765000000 reads as 1970-01-21: Vercel expects epoch milliseconds, not seconds",
    });
  }, 30_000);

  it("skips, saying why, without --flags and for a product without the experimentation protocol", async () => {
    const target = await carelessTarget();
    const withoutFlags = await runConformance({ ...target, flags: false }, flagsSuite);
    expect(Object.values(outcomes(withoutFlags))).toEqual(
      FLAGS_IDS.map(() => "skip: no --flags given"),
    );
    const notFlags = await runConformance({ ...target, experimentation: false }, flagsSuite);
    expect(Object.values(outcomes(notFlags))).toEqual(
      FLAGS_IDS.map(() => "skip: plain-flags does not declare the experimentation protocol"),
    );
    const elsewhere = await runConformance(
      { ...target, emulator: undefined, emulatorMissing: "the emulator runs elsewhere" },
      flagsSuite,
    );
    expect(Object.values(outcomes(elsewhere))).toEqual(
      FLAGS_IDS.map(() => "skip: the emulator runs elsewhere"),
    );
  });
});
