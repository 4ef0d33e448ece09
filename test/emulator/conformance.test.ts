import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { formatReport, runConformance } from "../../src/emulator/conformance/run-conformance.ts";
import { createEmulator, type Emulator } from "../../src/emulator/emulator.ts";
import {
  createTestPartner,
  PUBLIC_URL,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

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
  it("passes every check against our own server", async () => {
    let app: TestPartner["app"] | undefined;
    const emulator = await emulatorFor((request) => (app as TestPartner["app"]).fetch(request));
    partner = await createTestPartner({ keys: emulator.issuer.localKeySet() });
    app = partner.app;
    const report = await runConformance({
      partner: emulator.partner,
      issuer: emulator.issuer,
      ...acmeKv,
      repl: { read: "keys", write: "set conformance 1" },
      webhook: {
        url: `${PUBLIC_URL}/webhooks`,
        secret: TEST_WEBHOOK_SECRET,
        fetch: async (r) => partner?.app.fetch(r) ?? new Response(null, { status: 503 }),
      },
    });
    expect(
      report.results.filter((result) => result.status !== "pass"),
      formatReport(report),
    ).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(20);
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
      ]),
    );
    expect(report.passed).toBeGreaterThan(0);
    // It offers none of the optional operations: those checks are skipped, not failed.
    const skipped = report.results.filter((result) => result.status === "skip");
    expect(skipped.map((result) => result.detail)).toEqual(
      skipped.map(() => expect.stringMatching(/^not offered \(404\)$|^no REPL commands given$/)),
    );
    expect(skipped.map((result) => result.section)).toEqual(
      skipped.map(() => expect.stringMatching(/^§(4\.1[016]|4\.11|2\.[45])$/)),
    );
    expect(formatReport(report)).toMatch(/conformance: \d+ passed, \d+ failed, \d+ skipped/);
  });
});
