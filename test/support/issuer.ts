import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";

export const TEST_ISSUER = "https://marketplace.vercel.com";
export const TEST_CLIENT_ID = "oac_test_integration";

export interface UserTokenOptions {
  installationId?: string;
  accountId?: string;
  userId?: string;
  role?: "ADMIN" | "USER";
  claims?: JWTPayload;
}

export interface SystemTokenOptions {
  installationId?: string | null;
  accountId?: string | null;
  claims?: JWTPayload;
}

export interface SignOptions {
  kid?: string;
  issuer?: string;
  audience?: string | string[];
  expiresInSeconds?: number;
  notBeforeSeconds?: number;
  omitExpiry?: boolean;
}

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/**
 * A stand-in for Vercel's Marketplace OIDC issuer: an RS256 key pair whose public half is served
 * as a JWKS, and real signed user/system tokens with the spec's claims (§2.2, §2.3).
 */
export class TestIssuer {
  private constructor(
    private readonly privateKey: PrivateKey,
    readonly publicJwk: JWK,
    readonly kid: string,
  ) {}

  static async create(kid = "test-key-1"): Promise<TestIssuer> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    return new TestIssuer(privateKey, publicJwk, kid);
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  localKeySet() {
    return createLocalJWKSet(this.jwks);
  }

  userToken(options: UserTokenOptions = {}, sign: SignOptions = {}): Promise<string> {
    const accountId = options.accountId ?? "acct_1";
    const userId = options.userId ?? "user_1";
    return this.sign(
      {
        sub: `account:${accountId}:user:${userId}`,
        account_id: accountId,
        installation_id: options.installationId ?? "icfg_1",
        user_id: userId,
        user_role: options.role ?? "ADMIN",
        user_email: "ada@example.com",
        user_name: "Ada",
        type: "access_token",
        ...options.claims,
      },
      sign,
    );
  }

  systemToken(options: SystemTokenOptions = {}, sign: SignOptions = {}): Promise<string> {
    const accountId = options.accountId === undefined ? "acct_1" : options.accountId;
    return this.sign(
      {
        sub: accountId ? `account:${accountId}` : null,
        account_id: accountId,
        installation_id: options.installationId === undefined ? "icfg_1" : options.installationId,
        type: "access_token",
        ...options.claims,
      } as JWTPayload,
      sign,
    );
  }

  sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid: options.kid ?? this.kid, typ: "JWT" })
      .setIssuer(options.issuer ?? TEST_ISSUER)
      .setAudience(options.audience ?? TEST_CLIENT_ID)
      .setIssuedAt(now);
    if (!options.omitExpiry) jwt.setExpirationTime(now + (options.expiresInSeconds ?? 300));
    if (options.notBeforeSeconds !== undefined) jwt.setNotBefore(now + options.notBeforeSeconds);
    return jwt.sign(this.privateKey);
  }
}

/** Serves key sets over HTTP, counting fetches; `keys` can be swapped to simulate rotation. */
export class JwksServer {
  fetches = 0;
  keys: JWK[];
  private constructor(
    private readonly server: Server,
    readonly url: string,
    keys: JWK[],
  ) {
    this.keys = keys;
  }

  static async start(keys: JWK[]): Promise<JwksServer> {
    let instance: JwksServer | undefined;
    const server = createServer((_request, response) => {
      if (!instance) return response.end();
      instance.fetches += 1;
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ keys: instance.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    instance = new JwksServer(server, `http://127.0.0.1:${port}/.well-known/jwks`, keys);
    return instance;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
