import { createHmac } from "node:crypto";
import {
  CompactSign,
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTVerifyGetKey,
  SignJWT,
} from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type VerifyTokenOptions,
  type VerifyTokenResult,
  verifyVercelToken,
} from "../../packages/partnerkit/src/auth/verify-token.ts";
import { TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "../support/issuer.ts";

let issuer: TestIssuer;
/** Signs with its own RSA key but advertises the legitimate issuer's kid. */
let attacker: TestIssuer;
/** A key pair of our own, to sign hand-built tokens that TestIssuer cannot produce. */
let ownKey: CryptoKey;
let ownKeySet: JWTVerifyGetKey;

beforeAll(async () => {
  issuer = await TestIssuer.create("test-key-1");
  attacker = await TestIssuer.create("test-key-1");
  const pair = await generateKeyPair("RS256", { extractable: true });
  ownKey = pair.privateKey;
  ownKeySet = createLocalJWKSet({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: "own-key", alg: "RS256" }],
  });
});

/** Signs arbitrary payload bytes with `ownKey`, verifiable against `ownKeySet`. */
function signRaw(payload: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: "RS256", kid: "own-key", typ: "JWT" })
    .sign(ownKey);
}

function verify(
  token: string,
  options: Partial<VerifyTokenOptions> = {},
): Promise<VerifyTokenResult> {
  return verifyVercelToken(token, {
    keys: issuer.localKeySet(),
    issuer: TEST_ISSUER,
    audience: TEST_CLIENT_ID,
    ...options,
  });
}

async function expectRejected(
  result: Promise<VerifyTokenResult>,
  reason: string,
): Promise<VerifyTokenResult> {
  const settled = await result;
  expect(settled).toMatchObject({ ok: false, reason });
  if (!settled.ok) expect(settled.message).toEqual(expect.any(String));
  return settled;
}

const b64url = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** A full set of valid user claims, for tokens built by hand. */
function handmadeClaims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: TEST_ISSUER,
    aud: TEST_CLIENT_ID,
    iat: now,
    exp: now + 300,
    sub: "account:acct_1:user:user_1",
    account_id: "acct_1",
    installation_id: "icfg_1",
    user_id: "user_1",
    user_role: "ADMIN",
  };
}

describe("verifyVercelToken: valid tokens", () => {
  it("accepts a user token and returns its claims", async () => {
    const token = await issuer.userToken({
      installationId: "icfg_9",
      accountId: "acct_9",
      userId: "user_9",
      role: "USER",
    });
    const result = await verify(token, { authHeader: "user" });
    expect(result).toMatchObject({
      ok: true,
      authType: "user",
      claims: {
        iss: TEST_ISSUER,
        aud: TEST_CLIENT_ID,
        sub: "account:acct_9:user:user_9",
        account_id: "acct_9",
        installation_id: "icfg_9",
        user_id: "user_9",
        user_role: "USER",
        user_email: "ada@example.com",
      },
    });
  });

  it("accepts a system token and returns its claims", async () => {
    const token = await issuer.systemToken({ installationId: "icfg_1", accountId: "acct_1" });
    const result = await verify(token, { authHeader: "system" });
    expect(result).toMatchObject({
      ok: true,
      authType: "system",
      claims: { sub: "account:acct_1", account_id: "acct_1", installation_id: "icfg_1" },
    });
  });

  it("accepts a system token whose installation_id is null (product plans before install)", async () => {
    const token = await issuer.systemToken({ installationId: null });
    const result = await verify(token, { authHeader: "system" });
    expect(result).toMatchObject({
      ok: true,
      authType: "system",
      claims: { installation_id: null },
    });
  });

  it("accepts a system token without account or subject", async () => {
    const token = await issuer.systemToken({ installationId: null, accountId: null });
    const result = await verify(token, { authHeader: "system" });
    expect(result).toMatchObject({ ok: true, authType: "system" });
  });

  it("derives the auth type from the claims when X-Vercel-Auth is missing", async () => {
    const user = await verify(await issuer.userToken(), { authHeader: undefined });
    const system = await verify(await issuer.systemToken(), { authHeader: null });
    const empty = await verify(await issuer.systemToken(), { authHeader: "" });
    expect(user).toMatchObject({ ok: true, authType: "user" });
    expect(system).toMatchObject({ ok: true, authType: "system" });
    expect(empty).toMatchObject({ ok: true, authType: "system" });
  });

  it("accepts the X-Vercel-Auth value in any case and with surrounding blanks", async () => {
    const result = await verify(await issuer.userToken(), { authHeader: " User " });
    expect(result).toMatchObject({ ok: true, authType: "user" });
  });

  it("tolerates unknown extra claims", async () => {
    const token = await issuer.userToken({ claims: { nbf: Math.floor(Date.now() / 1000) - 5 } });
    const withExtra = await issuer.userToken({ claims: { something_new: "x" } });
    expect(await verify(token)).toMatchObject({ ok: true });
    expect(await verify(withExtra)).toMatchObject({ ok: true });
  });
});

describe("verifyVercelToken: issuer and audience", () => {
  it("rejects a token for another integration (wrong aud)", async () => {
    const token = await issuer.userToken({}, { audience: "oac_someone_else" });
    await expectRejected(verify(token), "audience_invalid");
  });

  it("accepts a token for any client id of an audience list", async () => {
    const token = await issuer.userToken({}, { audience: "oac_prod" });
    const result = await verify(token, { audience: ["oac_sandbox", "oac_prod"] });
    expect(result).toMatchObject({ ok: true, authType: "user" });
  });

  it("rejects a token whose aud is in none of the listed client ids", async () => {
    const token = await issuer.userToken({}, { audience: "oac_other" });
    await expectRejected(
      verify(token, { audience: ["oac_sandbox", "oac_prod"] }),
      "audience_invalid",
    );
  });

  it("rejects a token with a wrong issuer", async () => {
    const token = await issuer.userToken({}, { issuer: "https://marketplace.evil.example" });
    await expectRejected(verify(token), "issuer_invalid");
  });

  it("rejects a token whose issuer only differs by a trailing slash", async () => {
    const token = await issuer.userToken({}, { issuer: `${TEST_ISSUER}/` });
    await expectRejected(verify(token), "issuer_invalid");
  });
});

describe("verifyVercelToken: time claims", () => {
  it("rejects a token that expired five minutes ago", async () => {
    const token = await issuer.userToken({}, { expiresInSeconds: -300 });
    await expectRejected(verify(token), "token_expired");
  });

  it("accepts a token that expired a few seconds ago (within the clock tolerance)", async () => {
    const token = await issuer.userToken({}, { expiresInSeconds: -5 });
    expect(await verify(token)).toMatchObject({ ok: true, authType: "user" });
  });

  it("rejects a token that expired just beyond the default 30 s tolerance", async () => {
    const token = await issuer.userToken({}, { expiresInSeconds: -45 });
    await expectRejected(verify(token), "token_expired");
  });

  it("honours a custom clock tolerance", async () => {
    const token = await issuer.userToken({}, { expiresInSeconds: -45 });
    expect(await verify(token, { clockToleranceSeconds: 60 })).toMatchObject({ ok: true });
    const recent = await issuer.userToken({}, { expiresInSeconds: -5 });
    await expectRejected(verify(recent, { clockToleranceSeconds: 0 }), "token_expired");
  });

  it("rejects a token whose nbf is beyond the tolerance in the future", async () => {
    const token = await issuer.userToken({}, { notBeforeSeconds: 300 });
    await expectRejected(verify(token), "token_not_yet_valid");
  });

  it("accepts a token whose nbf is a few seconds in the future (clock skew)", async () => {
    const token = await issuer.userToken({}, { notBeforeSeconds: 5 });
    expect(await verify(token)).toMatchObject({ ok: true });
  });

  it("rejects a token without exp", async () => {
    const token = await issuer.userToken({}, { omitExpiry: true });
    await expectRejected(verify(token), "claims_invalid");
  });

  it("rejects a token whose exp is not a number", async () => {
    const token = await signRaw(JSON.stringify({ ...handmadeClaims(), exp: "never" }));
    await expectRejected(verify(token, { keys: ownKeySet }), "claims_invalid");
  });

  it("evaluates expiry against currentDate when given", async () => {
    const token = await issuer.userToken({}, { expiresInSeconds: 300 });
    const later = new Date(Date.now() + 10 * 60_000);
    await expectRejected(verify(token, { currentDate: later }), "token_expired");
  });
});

describe("verifyVercelToken: signature and algorithm attacks", () => {
  it('rejects an unsigned token with alg "none"', async () => {
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(handmadeClaims())}.`;
    await expectRejected(verify(token), "algorithm_not_allowed");
  });

  it('rejects alg "none" even when it carries the trusted kid and a junk signature', async () => {
    const header = b64url({ alg: "none", kid: issuer.kid, typ: "JWT" });
    const token = `${header}.${b64url(handmadeClaims())}.${b64url("sig")}`;
    await expectRejected(verify(token), "algorithm_not_allowed");
  });

  it("rejects HS256 signed with the public key's bytes (algorithm confusion)", async () => {
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(issuer.publicJwk));
    const token = await new SignJWT(handmadeClaims())
      .setProtectedHeader({ alg: "HS256", kid: issuer.kid, typ: "JWT" })
      .sign(publicKeyBytes);
    await expectRejected(verify(token), "algorithm_not_allowed");
  });

  it("rejects HS256 signed with the modulus bytes or any shared secret", async () => {
    const modulus = Buffer.from(issuer.publicJwk.n ?? "", "base64url");
    const input = `${b64url({ alg: "HS256", kid: issuer.kid })}.${b64url(handmadeClaims())}`;
    for (const secret of [modulus, Buffer.from("secret")]) {
      const signature = createHmac("sha256", secret).update(input).digest("base64url");
      await expectRejected(verify(`${input}.${signature}`), "algorithm_not_allowed");
    }
  });

  it("rejects a token signed by another RSA key claiming the trusted kid", async () => {
    const token = await attacker.userToken();
    await expectRejected(verify(token), "signature_invalid");
    await expectRejected(verify(await attacker.systemToken()), "signature_invalid");
  });

  it("rejects a token signed by another key that carries no kid", async () => {
    const claims = handmadeClaims();
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .sign(ownKey);
    await expectRejected(verify(token), "signature_invalid");
  });

  it("rejects a genuine token whose payload was tampered with", async () => {
    const token = await issuer.userToken({ role: "USER", installationId: "icfg_1" });
    const [header, , signature] = token.split(".");
    const forged = { ...handmadeClaims(), user_role: "ADMIN", installation_id: "icfg_2" };
    await expectRejected(verify(`${header}.${b64url(forged)}.${signature}`), "signature_invalid");
  });

  it("rejects a genuine token with a truncated signature", async () => {
    const token = await issuer.userToken();
    await expectRejected(verify(token.slice(0, -10)), "signature_invalid");
  });

  it("rejects a token whose kid is not in the key set", async () => {
    const token = await issuer.userToken({}, { kid: "unknown-kid" });
    await expectRejected(verify(token), "key_not_found");
  });
});

describe("verifyVercelToken: malformed input never throws", () => {
  const header = b64url({ alg: "RS256", kid: "test-key-1", typ: "JWT" });
  const junk: [string, string][] = [
    ["empty string", ""],
    ["a single word", "garbage"],
    ["two parts", `${header}.${b64url(handmadeClaims())}`],
    ["three junk parts", "a.b.c"],
    ["dots only", "...."],
    ["five parts (JWE shape)", "a.b.c.d.e"],
    ["header that is not JSON", `${b64url("not json")}.${b64url(handmadeClaims())}.c2ln`],
    ["header that is a JSON array", `${b64url([1, 2])}.${b64url(handmadeClaims())}.c2ln`],
    ["invalid base64url characters in the header", `***.${b64url(handmadeClaims())}.c2ln`],
    ["oversized junk", "x".repeat(1_000_000)],
    ["oversized three-part junk", `${"A".repeat(200_000)}.${"B".repeat(200_000)}.C`],
    ["whitespace", " \t\n "],
    ["unicode", "ñ.ü.ß"],
  ];

  it.each(junk)("answers token_malformed for %s", async (_name, token) => {
    await expectRejected(verify(token), "token_malformed");
  });

  it.each([
    ["not JSON", "not a claims set"],
    ["a JSON array", "[1,2,3]"],
    ["a JSON string", '"icfg_1"'],
    ["JSON null", "null"],
  ])("answers token_malformed for a validly signed payload that is %s", async (_name, payload) => {
    await expectRejected(verify(await signRaw(payload), { keys: ownKeySet }), "token_malformed");
  });
});

describe("verifyVercelToken: X-Vercel-Auth and claim shape", () => {
  it("rejects a system token declared as user", async () => {
    await expectRejected(
      verify(await issuer.systemToken(), { authHeader: "user" }),
      "auth_type_mismatch",
    );
  });

  it("rejects a user token declared as system (no escaping the role check)", async () => {
    const token = await issuer.userToken({ role: "USER" });
    await expectRejected(verify(token, { authHeader: "system" }), "auth_type_mismatch");
  });

  it.each(["admin", "SYSTEM,user", "bearer", "users"])(
    "rejects the X-Vercel-Auth value %j",
    async (value) => {
      await expectRejected(
        verify(await issuer.userToken(), { authHeader: value }),
        "auth_type_invalid",
      );
    },
  );

  it("rejects a user token without user_role", async () => {
    const token = await issuer.userToken({ claims: { user_role: undefined } });
    await expectRejected(verify(token, { authHeader: "user" }), "claims_invalid");
    await expectRejected(verify(token), "claims_invalid");
  });

  it('rejects a user token with user_role "OWNER"', async () => {
    const token = await issuer.userToken({ claims: { user_role: "OWNER" } });
    await expectRejected(verify(token, { authHeader: "user" }), "claims_invalid");
  });

  it("rejects a user token with a lower-case role", async () => {
    const token = await issuer.userToken({ claims: { user_role: "admin" } });
    await expectRejected(verify(token), "claims_invalid");
  });

  it("rejects a user token without installation_id or with a null one", async () => {
    const missing = await issuer.userToken({ claims: { installation_id: undefined } });
    const nulled = await issuer.userToken({ claims: { installation_id: null } });
    await expectRejected(verify(missing), "claims_invalid");
    await expectRejected(verify(nulled), "claims_invalid");
  });

  it("rejects a user token without account_id", async () => {
    const token = await issuer.userToken({ claims: { account_id: undefined } });
    await expectRejected(verify(token), "claims_invalid");
  });

  it("treats a system token carrying a user_role as a user token and rejects it", async () => {
    const token = await issuer.systemToken({ claims: { user_role: "ADMIN" } });
    await expectRejected(verify(token, { authHeader: "system" }), "auth_type_mismatch");
    await expectRejected(verify(token), "claims_invalid");
  });

  it("rejects a system token whose installation_id is not a string", async () => {
    const token = await issuer.systemToken({ claims: { installation_id: 42 } });
    await expectRejected(verify(token, { authHeader: "system" }), "claims_invalid");
  });
});
