import { describe, expect, it } from "vitest";
import { envVarName, secretsToEnv } from "../../packages/partnerkit/src/emulator/env-vars.ts";
import { MASK, maskSecrets } from "../../packages/partnerkit/src/emulator/mask.ts";

describe("envVarName (spec §3.4 prefix rules)", () => {
  it.each([
    ["PGHOST", undefined, "PGHOST"],
    ["PGHOST", "ACME", "ACME_PGHOST"],
    ["PGHOST", "acme-db", "ACME_DB_PGHOST"],
    ["PGHOST", "my store", "MY_STORE_PGHOST"],
    ["ACME_PGHOST", "ACME", "ACME_PGHOST"],
    ["NEXT_PUBLIC_KEY", "ACME", "NEXT_PUBLIC_ACME_KEY"],
    ["NEXT_PUBLIC_ACME_KEY", "ACME", "NEXT_PUBLIC_ACME_KEY"],
  ])("%s with prefix %s is %s", (name, prefix, expected) => {
    expect(envVarName(name, prefix)).toBe(expected);
  });

  it("takes environment overrides and lets the connection's prefix win", () => {
    const secrets = [
      {
        name: "URL",
        value: "https://prod",
        prefix: "PARTNER",
        environmentOverrides: { preview: "https://preview" },
      },
    ];
    expect(secretsToEnv(secrets, "preview")).toEqual({ PARTNER_URL: "https://preview" });
    expect(secretsToEnv(secrets, "production", "MINE")).toEqual({ MINE_URL: "https://prod" });
  });
});

describe("maskSecrets", () => {
  it("hides tokens and secret values but keeps everything else readable", () => {
    const masked = maskSecrets({
      credentials: { access_token: "vat_123", token_type: "Bearer" },
      secrets: [
        {
          name: "KV_REST_API_TOKEN",
          value: "akv_456",
          environmentOverrides: { preview: "akv_789" },
        },
      ],
      name: "cache",
    });
    expect(masked).toEqual({
      credentials: { access_token: MASK, token_type: "Bearer" },
      secrets: [
        { name: "KV_REST_API_TOKEN", value: MASK, environmentOverrides: { preview: MASK } },
      ],
      name: "cache",
    });
  });
});
