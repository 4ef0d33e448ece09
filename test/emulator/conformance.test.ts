import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { RESOURCE_EXTRA_CHECKS } from "../../packages/partnerkit/src/emulator/conformance/checks-resources-extra.ts";
import {
  formatReport,
  runConformance,
} from "../../packages/partnerkit/src/emulator/conformance/run-conformance.ts";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { emulatedMarketplace } from "../support/marketplace.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";

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
        emulator,
        repl: { read: "keys", write: "set conformance 1" },
        webhook: {
          url: `${PUBLIC_URL}/webhooks`,
          secret: TEST_WEBHOOK_SECRET,
          fetch: async (request) => market.partner.app.fetch(request),
        },
      });
      expect(
        report.results.filter((result) => result.status !== "pass"),
        formatReport(report),
      ).toEqual([]);
      expect(report.passed).toBeGreaterThanOrEqual(23);
      const roundTrip = report.results.find((result) => result.id === "action-round-trip");
      expect(roundTrip?.detail).toMatch(/^succeeded in \d+ ms$/);
    } finally {
      await market.close();
    }
  });

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
    expect(report.passed).toBeGreaterThan(0);
    // It offers none of the optional operations: those checks are skipped, not failed.
    const optional = new Set(RESOURCE_EXTRA_CHECKS.map((check) => check.id));
    const skipped = report.results.filter(
      (result) => result.status === "skip" && optional.has(result.id),
    );
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.map((result) => result.detail)).toEqual(
      skipped.map(() => expect.stringMatching(/^not offered \(404\)$|^no REPL commands given$/)),
    );
    expect(formatReport(report)).toMatch(/conformance: \d+ passed, \d+ failed, \d+ skipped/);
  });
});
