import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../packages/partnerkit/src/config.ts";

const complete = {
  INTEGRATION_CLIENT_ID: "oac_1, oac_2",
  INTEGRATION_CLIENT_SECRET: "secret",
  PARTNERKIT_ENCRYPTION_KEY: "k",
};

describe("loadConfig", () => {
  it("applies the DESIGN §3 defaults", () => {
    expect(loadConfig(complete)).toEqual({
      port: 3000,
      clientIds: ["oac_1", "oac_2"],
      clientSecret: "secret",
      oidcIssuer: "https://marketplace.vercel.com",
      jwksUrl: "https://marketplace.vercel.com/.well-known/jwks",
      vercelApiUrl: "https://api.vercel.com",
      databaseUrl: ".partnerkit/partnerkit.db",
      encryptionKey: "k",
      publicUrl: "http://localhost:3000",
      billingIntervalSeconds: 3600,
    });
  });

  it("derives the key set URL and public URL from the issuer and port", () => {
    const config = loadConfig({
      ...complete,
      VERCEL_OIDC_ISSUER: "http://127.0.0.1:4000/",
      PORT: "8080",
    });
    expect(config.jwksUrl).toBe("http://127.0.0.1:4000/.well-known/jwks");
    expect(config.publicUrl).toBe("http://localhost:8080");
  });

  it.each(Object.keys(complete))("names the missing required variable %s", (name) => {
    const env: Record<string, string> = { ...complete };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(
      new ConfigError(`Missing required environment variable ${name}`),
    );
  });

  it("reads the invoice test mode switch and refuses an unknown mode", () => {
    expect(loadConfig({ ...complete, PARTNERKIT_INVOICE_TEST: "paid" }).invoiceTest).toEqual({
      result: "paid",
    });
    expect(loadConfig({ ...complete, PARTNERKIT_INVOICE_TEST: "validate" }).invoiceTest).toEqual({
      validate: true,
    });
    expect(() => loadConfig({ ...complete, PARTNERKIT_INVOICE_TEST: "free" })).toThrow(
      /PARTNERKIT_INVOICE_TEST/,
    );
  });

  it("refuses a port that is not a number", () => {
    expect(() => loadConfig({ ...complete, PORT: "http" })).toThrow(/PORT/);
  });
});
