import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";

export interface IssuerOptions {
  /** `iss` of every token, and the base of the discovery document. */
  issuer: string;
  /** The integration client id put in `aud`. */
  audience: string;
  kid?: string;
  /** Where the private key is kept between runs; generated when absent. Memory only when omitted. */
  keyFile?: string;
}

export interface UserTokenClaims {
  installationId: string;
  accountId: string;
  userId: string;
  role?: "ADMIN" | "USER";
  email?: string;
  name?: string;
}

export interface SystemTokenClaims {
  installationId: string | null;
  accountId: string | null;
}

export interface SignOptions {
  kid?: string;
  issuer?: string;
  audience?: string | string[];
  expiresInSeconds?: number;
  notBeforeSeconds?: number;
  omitExpiry?: boolean;
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/**
 * The Marketplace OIDC issuer: an RS256 key whose public half is served as a JWKS, and real
 * signed user and system tokens with the claims of spec §2.2 and §2.3. No bypass exists: a partner
 * verifies these exactly as it verifies Vercel's.
 */
export class MarketplaceIssuer {
  private constructor(
    private readonly privateKey: SigningKey,
    readonly publicJwk: JWK,
    readonly options: IssuerOptions & { kid: string },
  ) {}

  static async create(options: IssuerOptions): Promise<MarketplaceIssuer> {
    const kid = options.kid ?? "partnerkit-emulator-1";
    const privateJwk =
      (options.keyFile && (await readKey(options.keyFile))) ||
      (await newPrivateJwk(options.keyFile));
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = privateJwk;
    const publicJwk: JWK = { ...publicPart, kid, alg: "RS256", use: "sig" };
    const privateKey = await importJWK(privateJwk, "RS256");
    return new MarketplaceIssuer(privateKey, publicJwk, { ...options, kid });
  }

  get issuer(): string {
    return this.options.issuer;
  }

  get jwksUrl(): string {
    return `${this.options.issuer}/.well-known/jwks`;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  localKeySet() {
    return createLocalJWKSet(this.jwks());
  }

  openidConfiguration() {
    return {
      issuer: this.options.issuer,
      jwks_uri: this.jwksUrl,
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
    };
  }

  userToken(
    claims: UserTokenClaims,
    sign: SignOptions = {},
    extra: JWTPayload = {},
  ): Promise<string> {
    return this.sign(
      {
        sub: `account:${claims.accountId}:user:${claims.userId}`,
        type: "access_token",
        account_id: claims.accountId,
        installation_id: claims.installationId,
        user_id: claims.userId,
        user_role: claims.role ?? "ADMIN",
        ...(claims.email && { user_email: claims.email }),
        ...(claims.name && { user_name: claims.name }),
        ...extra,
      },
      sign,
    );
  }

  systemToken(
    claims: SystemTokenClaims,
    sign: SignOptions = {},
    extra: JWTPayload = {},
  ): Promise<string> {
    return this.sign(
      {
        sub: claims.accountId ? `account:${claims.accountId}` : null,
        type: "access_token",
        account_id: claims.accountId,
        installation_id: claims.installationId,
        ...extra,
      } as JWTPayload,
      sign,
    );
  }

  sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid: options.kid ?? this.options.kid, typ: "JWT" })
      .setIssuer(options.issuer ?? this.options.issuer)
      .setAudience(options.audience ?? this.options.audience)
      .setIssuedAt(now);
    if (!options.omitExpiry) jwt.setExpirationTime(now + (options.expiresInSeconds ?? 300));
    if (options.notBeforeSeconds !== undefined) jwt.setNotBefore(now + options.notBeforeSeconds);
    return jwt.sign(this.privateKey);
  }
}

async function readKey(file: string): Promise<JWK | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as JWK;
  } catch {
    return undefined;
  }
}

async function newPrivateJwk(file: string | undefined): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  if (file) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}
