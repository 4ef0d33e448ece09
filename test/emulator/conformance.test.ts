import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { FLAGS_CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks-flags.ts";
import { RESOURCE_EXTRA_CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks-resources-extra.ts";
import { junitXml } from "../../packages/partnerkit/src/emulator/conformance/junit.ts";
import { productProfile } from "../../packages/partnerkit/src/emulator/conformance/product-profile.ts";
import { ConformanceReport } from "../../packages/partnerkit/src/emulator/conformance/report.ts";
import {
  formatReport,
  runConformance,
} from "../../packages/partnerkit/src/emulator/conformance/run-conformance.ts";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { emulatedMarketplace } from "../support/marketplace.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";
import { parseXml } from "../support/xml.ts";
import { lenientPartner } from "./conformance-fakes.ts";

async function emulatorFor(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<Emulator> {
  return createEmulator({
    url: "https://marketplace.vercel.com",
    partnerUrl: PUBLIC_URL,
    clientId: "oac_test_integration",
    clientSecret: TEST_WEBHOOK_SECRET,
    partnerFetch: async (request) => fetch(request),
  });
}

const acmeKv = {
  productId: "acme-kv",
  metadata: { region: "iad1" },
  invalidMetadata: { region: "mars" },
};

const resultOf = (report: ConformanceReport, id: string) =>
  report.results.find((result) => result.id === id);

describe("conformance suite", () => {
  it("passes every check against our own server, the action round trip included", async () => {
    const market = await emulatedMarketplace();
    try {
      const { emulator } = market;
      const report = await runConformance({
        partner: emulator.partner,
        issuer: emulator.issuer,
        ...acmeKv,
        action: "branch",
        check: "kv-smoke",
        emulator,
        repl: { read: "keys", write: "set conformance 1" },
        webhook: {
          url: `${PUBLIC_URL}/webhooks`,
          secret: TEST_WEBHOOK_SECRET,
          fetch: async (request) => market.partner.app.fetch(request),
        },
      });
      // Acme KV is no flags product, and --flags was not given.
      const flags = new Set(FLAGS_CHECKS.map((check) => check.id));
      expect(
        report.results.filter((result) => result.status !== "pass" && !flags.has(result.id)),
        formatReport(report),
      ).toEqual([]);
      expect(
        report.results.filter((result) => flags.has(result.id)).map((result) => result.detail),
      ).toEqual([...flags].map(() => "no --flags given"));
      expect(report.passed).toBeGreaterThanOrEqual(23);
      expect(resultOf(report, "action-round-trip")?.detail).toMatch(/^succeeded in \d+ ms$/);
      expect(resultOf(report, "check-round-trip")?.detail).toMatch(/^succeeded in \d+ ms$/);
      expect(ConformanceReport.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
    } finally {
      await market.close();
    }
  }, 60_000);

  it("tells a careless partner apart: no verification, 500s on bad JSON, any webhook signature", async () => {
    // The classic mistakes of hand-written partner servers (spec §12.3), in one small app.
    const resources = new Map<string, unknown>();
    const careless = new Hono();
    careless.put("/v1/installations/:id", (c) => c.body(null, 204));
    careless.get("/v1/products/:slug/plans", (c) =>
      c.json({ plans: [{ id: "free", type: "subscription", name: "Free", description: "Free" }] }),
    );
    careless.post("/v1/installations/:id/resources", async (c) => {
      const body = await c.req.json();
      const resource = {
        id: `res_${resources.size + 1}`,
        productId: body.productId,
        name: body.name,
        metadata: body.metadata,
        status: "ready",
      };
      resources.set(resource.id, resource);
      return c.json({ ...resource, secrets: [{ name: "TOKEN", value: "t" }] });
    });
    careless.get("/v1/installations/:id/resources/:rid", (c) =>
      c.json(resources.get(c.req.param("rid")) ?? {}),
    );
    careless.delete("/v1/installations/:id/resources/:rid", (c) => c.body(null, 204));
    careless.delete("/v1/installations/:id", (c) => c.json({ finalized: true }));
    careless.post("/webhooks", (c) => c.json({ ok: true }));

    const emulator = await emulatorFor((request) => careless.fetch(request));
    const report = await runConformance({
      partner: emulator.partner,
      issuer: emulator.issuer,
      ...acmeKv,
      action: "branch",
      emulator,
      actionTimeoutMs: 1_000,
      webhook: {
        url: `${PUBLIC_URL}/webhooks`,
        secret: "secret",
        fetch: async (r) => careless.fetch(r),
      },
    });
    const failed = report.results
      .filter((result) => result.status === "fail")
      .map((result) => result.id);
    expect(failed).toEqual(
      expect.arrayContaining([
        "no-token",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "forged-key",
        "alg-none",
        "viewer-write",
        "malformed-json",
        "invalid-metadata",
        "idempotent-replay",
        "unknown-resource",
        "webhook-signature",
        // It acknowledges the start webhook and never reports: the build would wait forever.
        "action-round-trip",
      ]),
    );
    // Every failure names what was sent and what came back.
    expect(resultOf(report, "no-token")?.detail).toMatch(
      /^accepted: sent GET \/v1\/installations\/icfg_\S+\/resources\/res_1 → answered 200/,
    );
    expect(resultOf(report, "webhook-signature")?.detail).toMatch(
      /^accepted: sent POST http:\/\/partner\.test\/webhooks .*→ answered 200 \{"ok":true\}/,
    );
    expect(report.passed).toBeGreaterThan(0);
    // It offers none of the optional operations: those checks are skipped, not failed.
    const optional = new Set(RESOURCE_EXTRA_CHECKS.map((check) => check.id));
    const skipped = report.results.filter(
      (result) => result.status === "skip" && optional.has(result.id),
    );
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.map((result) => result.detail)).toEqual(
      skipped.map(() => expect.stringMatching(/^not offered \(404\)$|^no REPL commands/)),
    );
    expect(formatReport(report)).toMatch(
      /conformance: \d+ passed, \d+ warned, \d+ failed, \d+ skipped/,
    );
  });

  describe("against a partner that Vercel would accept, in ways the docs do not describe", () => {
    async function run() {
      const emulator = await emulatorFor((request) => partner.fetch(request));
      const partner = lenientPartner(emulator.issuer, TEST_WEBHOOK_SECRET);
      return runConformance({
        partner: emulator.partner,
        issuer: emulator.issuer,
        productId: "plain-db",
        metadata: {},
        repl: { read: "keys", write: "set conformance 1" },
        webhook: {
          url: `${PUBLIC_URL}/webhooks`,
          secret: TEST_WEBHOOK_SECRET,
          fetch: async (request) => partner.fetch(request),
        },
      });
    }
    let report: Promise<ConformanceReport> | undefined;
    const lenient = () => {
      report ??= run();
      return report;
    };

    it("accepts a provision answered with 201 and keeps using the resource", async () => {
      const result = await lenient();
      expect(resultOf(result, "provision")).toMatchObject({
        status: "warn",
        detail: expect.stringContaining("answered 201"),
      });
      for (const id of ["get-resource", "delete-resource", "uninstall"]) {
        expect(resultOf(result, id)?.status, formatReport(result)).toBe("pass");
      }
    });

    it("passes a forged token refused with a plain-text 403, with a WARN on the format", async () => {
      const result = await lenient();
      for (const id of ["forged-key", "expired", "wrong-issuer", "wrong-audience", "alg-none"]) {
        expect(resultOf(result, id), id).toMatchObject({
          status: "warn",
          detail: expect.stringMatching(/^refused; 403 without the error body/),
        });
      }
      expect(resultOf(result, "webhook-signature")).toMatchObject({
        status: "warn",
        detail: expect.stringMatching(/^refused; refused with 400; the spec names 401 or 403/),
      });
    });

    it("blames the double creation when an Idempotency-Key is ignored", async () => {
      const result = await lenient();
      expect(resultOf(result, "idempotent-replay")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(
          /^the same Idempotency-Key conf_\w+ created two resources: sent POST .* → answered 201 .*"id":"res_\d+".*then sent POST .* → answered 201/,
        ),
      });
    });

    it("skips the invalid-metadata check, with its reason, for a product without constraints", async () => {
      expect(resultOf(await lenient(), "invalid-metadata")).toMatchObject({
        status: "skip",
        detail: expect.stringContaining("no metadata the product refuses"),
      });
    });

    it("takes a REPL refusal given in-band as a WARN", async () => {
      expect(resultOf(await lenient(), "repl-readonly-write")).toMatchObject({
        status: "warn",
        detail: expect.stringContaining("refused in-band"),
      });
    });

    it("names the older transfer shape instead of saying it is not offered", async () => {
      const result = await lenient();
      for (const id of ["transfer-accept", "transfer-foreign", "transfer-expired"]) {
        expect(resultOf(result, id), id).toMatchObject({
          status: "warn",
          detail: expect.stringMatching(
            /^implements the older transfer shape \(PUT …\/resource-transfer-requests\/\{id\}, POST …\/\{id\}\/verify\)/,
          ),
        });
      }
      expect(result.failed, formatReport(result)).toBe(1);
    });
  });
});

describe("the product profile", () => {
  it("takes Acme KV's product, a metadata it refuses and its REPL commands from its definition", async () => {
    const market = await emulatedMarketplace();
    try {
      expect(productProfile(market.partner.integration)).toEqual({
        productId: "acme-kv",
        metadata: { region: "iad1", evictionPolicy: "noeviction", maxMemoryMb: [256] },
        invalidMetadata: {
          region: "conformance-invalid",
          evictionPolicy: "noeviction",
          maxMemoryMb: [256],
        },
        repl: { read: "keys", write: "del conformance" },
      });
    } finally {
      await market.close();
    }
  });

  it("has no invalid metadata nor REPL for a product that constrains nothing", () => {
    const integration = defineIntegration({
      products: [
        defineProduct({
          id: "plain-db",
          metadata: z.object({}).loose(),
          plans: [{ id: "free", type: "subscription", name: "Free", description: "Free" }],
          provision: async () => ({ secrets: [] }),
        }),
      ],
    });
    expect(productProfile(integration)).toEqual({ productId: "plain-db", metadata: {} });
    expect(productProfile(integration, "other")).toBeUndefined();
  });
});

describe("the JUnit report", () => {
  it("parses, with one testcase per check and the report's counts", async () => {
    const emulator = await emulatorFor((request) => partner.fetch(request));
    const partner = lenientPartner(emulator.issuer, TEST_WEBHOOK_SECRET);
    const report = await runConformance({
      partner: emulator.partner,
      issuer: emulator.issuer,
      productId: "plain-db <&\"'>",
      metadata: {},
    });
    const xml = junitXml(report);
    const root = parseXml(xml);
    expect(root.name).toBe("testsuites");
    const suite = root.children[0];
    const cases = suite?.children ?? [];
    expect(suite?.attributes).toMatchObject({
      tests: String(report.results.length),
      failures: String(report.failed),
      skipped: String(report.skipped),
    });
    expect(cases).toHaveLength(report.results.length);
    const childNamed = (name: string) =>
      cases.filter((testcase) => testcase.children.some((child) => child.name === name)).length;
    expect(childNamed("failure")).toBe(report.failed);
    expect(childNamed("skipped")).toBe(report.skipped);
    expect(childNamed("system-out")).toBe(report.warned);
    expect(report.failed + report.skipped + report.warned).toBeGreaterThan(2);
    // Attribute values come back as they were, once unescaped.
    const failing = report.results.find((result) => result.status === "fail");
    const failure = cases
      .flatMap((testcase) => testcase.children)
      .find((child) => child.name === "failure");
    expect(failure?.attributes.message).toBe(failing?.detail);
  });
});
