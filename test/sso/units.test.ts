/** The SSO building blocks on their own: session sealing, landing rules, the link, the params. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../packages/partnerkit/src/config.ts";
import { landingPath, sameOriginPath } from "../../packages/partnerkit/src/sso/landing.ts";
import { SessionCodec } from "../../packages/partnerkit/src/sso/session.ts";
import { vercelSsoLink } from "../../packages/partnerkit/src/sso/sso-link.ts";
import { parseSsoParams } from "../../packages/partnerkit/src/sso/sso-params.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";

const session = {
  installationId: "icfg_a",
  userId: "user_1",
  role: "ADMIN" as const,
  exp: 2_000_000_000,
};

describe("SessionCodec", () => {
  const key = SecretBox.generateKey();
  const codec = SessionCodec.fromEncryptionKey(key);

  it("seals a session it alone can open, until it expires", () => {
    const sealed = codec.seal(session);
    expect(sealed).not.toContain("icfg_a");
    expect(sealed).not.toContain("user_1");
    expect(codec.open(sealed, 1_000_000_000_000)).toEqual(session);
    expect(codec.open(sealed, 2_000_000_000_000)).toBeUndefined();
    expect(SessionCodec.fromEncryptionKey(SecretBox.generateKey()).open(sealed, 0)).toBeUndefined();
    expect(codec.open(`${sealed.slice(0, -4)}AAAA`, 0)).toBeUndefined();
    expect(codec.open(undefined)).toBeUndefined();
  });

  it("keeps sessions through a key rotation while the old key is listed", () => {
    const sealed = codec.seal(session);
    const rotated = SessionCodec.fromEncryptionKey(`${SecretBox.generateKey()},${key}`);
    expect(rotated.open(sealed, 0)).toEqual(session);
    expect(codec.open(rotated.seal(session), 0)).toBeUndefined();
  });

  it("does not open what the store's SecretBox sealed under the same key", () => {
    const box = SecretBox.fromEnv(key);
    expect(
      codec.open(box.seal(JSON.stringify(session), "partnerkit.sso-session.v1"), 0),
    ).toBeUndefined();
  });
});

describe("landing", () => {
  const publicUrl = "https://kv.example.com";
  const owns = (id: string) => Promise.resolve(id === "res_mine");
  const land = (query: Record<string, string>) => {
    const params = parseSsoParams({ code: "c", ...query });
    if (!params) throw new Error("unparsed");
    return landingPath(params, { publicUrl, ownsResource: owns });
  };

  it("picks the most specific page", async () => {
    await expect(land({ resource_id: "res_mine" })).resolves.toBe("/dashboard/resources/res_mine");
    await expect(land({ resource_id: "res_mine", path: "secrets" })).resolves.toBe(
      "/dashboard/resources/res_mine#secrets",
    );
    await expect(land({ resource_id: "res_theirs" })).resolves.toBe("/dashboard");
    await expect(land({ resource_id: "res_mine", invoice_id: "inv 1" })).resolves.toBe(
      "/dashboard/billing?invoice_id=inv%201",
    );
    await expect(land({ path: "onboarding" })).resolves.toBe("/dashboard");
    await expect(land({ path: "nonsense" })).resolves.toBe("/dashboard");
    await expect(
      land({ url: "https://kv.example.com/x?y=1#z", resource_id: "res_mine" }),
    ).resolves.toBe("/x?y=1#z");
  });

  it("follows only http(s) URLs on PUBLIC_URL's origin whose path stays on it", () => {
    expect(sameOriginPath("https://kv.example.com/a", publicUrl)).toBe("/a");
    expect(sameOriginPath("http://kv.example.com/a", publicUrl)).toBeUndefined();
    expect(sameOriginPath("https://kv.example.com.evil.test/a", publicUrl)).toBeUndefined();
    expect(sameOriginPath("https://kv.example.com//evil.test/a", publicUrl)).toBeUndefined();
    expect(sameOriginPath("https://kv.example.com/\\evil.test", publicUrl)).toBeUndefined();
    expect(sameOriginPath("/a", publicUrl)).toBeUndefined();
    expect(sameOriginPath("not a url", publicUrl)).toBeUndefined();
  });
});

describe("vercelSsoLink", () => {
  it("builds Vercel's provider-initiated SSO link with the context as query", () => {
    expect(
      vercelSsoLink({
        integrationSlug: "acme-kv",
        installationId: "icfg_1",
        resourceId: "res 1",
        path: "secrets",
      }),
    ).toBe("https://vercel.com/sso/integrations/acme-kv/icfg_1?resource_id=res+1&path=secrets");
    expect(vercelSsoLink({ integrationSlug: "a/b", installationId: "icfg_1" })).toBe(
      "https://vercel.com/sso/integrations/a%2Fb/icfg_1",
    );
  });
});

describe("parseSsoParams", () => {
  it("needs a code, tolerates everything else", () => {
    expect(parseSsoParams({})).toBeUndefined();
    expect(parseSsoParams({ code: " " })).toBeUndefined();
    expect(
      parseSsoParams({ code: "c", mode: "weird", path: "new-thing", resource_id: "" }),
    ).toMatchObject({
      code: "c",
      mode: "weird",
      path: undefined,
      resource_id: undefined,
    });
    expect(parseSsoParams({ code: "c", path: "secrets" })?.path).toBe("secrets");
  });
});

describe("PARTNERKIT_SSO_PATH", () => {
  const base = {
    INTEGRATION_CLIENT_ID: "oac_1",
    INTEGRATION_CLIENT_SECRET: "s",
    PARTNERKIT_ENCRYPTION_KEY: SecretBox.generateKey(),
  };
  it("is read, and refused when it is not a path", () => {
    expect(loadConfig(base).ssoPath).toBeUndefined();
    expect(loadConfig({ ...base, PARTNERKIT_SSO_PATH: "/vercel/sso" }).ssoPath).toBe("/vercel/sso");
    expect(() => loadConfig({ ...base, PARTNERKIT_SSO_PATH: "https://x.test/sso" })).toThrow(
      ConfigError,
    );
  });
});
