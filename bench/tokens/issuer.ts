import { generateKeyPair, type KeyObject, sign } from "node:crypto";
import { promisify } from "node:util";
import type { JWK, JWTPayload } from "jose";

export const BENCH_ISSUER = "https://marketplace.vercel.com";
export const BENCH_CLIENT_ID = "oac_bench_integration";

/** The caller every benchmark token speaks for. */
export interface BenchCaller {
  installationId: string;
  accountId: string;
  userId: string;
}

export type UserRole = "ADMIN" | "USER";

const generateRsaKeyPair = promisify(generateKeyPair);
const signAsync = promisify(sign);
const TOKEN_LIFETIME_SECONDS = 15 * 60;

/**
 * A stand-in for Vercel's Marketplace OIDC issuer: an RSA-2048 key whose public half is served as
 * a JWKS, and RS256 user tokens with the spec's claims. Signing goes through node:crypto's
 * callback API, so the RSA work runs on libuv's thread pool and parallel calls use every core.
 */
export class BenchIssuer {
  private readonly encodedHeader: string;

  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicJwk: JWK,
    readonly kid: string,
  ) {
    this.encodedHeader = encode({ alg: "RS256", kid, typ: "JWT" });
  }

  static async create(kid = "bench-key-1"): Promise<BenchIssuer> {
    const { privateKey, publicKey } = await generateRsaKeyPair("rsa", { modulusLength: 2048 });
    const publicJwk: JWK = {
      ...publicKey.export({ format: "jwk" }),
      kid,
      alg: "RS256",
      use: "sig",
    };
    return new BenchIssuer(privateKey, publicJwk, kid);
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** A user token (spec §2.2) for `caller`; `jti` makes otherwise identical tokens distinct. */
  userToken(caller: BenchCaller, role: UserRole, jti?: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign({
      iss: BENCH_ISSUER,
      aud: BENCH_CLIENT_ID,
      sub: `account:${caller.accountId}:user:${caller.userId}`,
      iat: now,
      exp: now + TOKEN_LIFETIME_SECONDS,
      ...(jti !== undefined && { jti }),
      account_id: caller.accountId,
      installation_id: caller.installationId,
      user_id: caller.userId,
      user_role: role,
      user_email: "bench@example.com",
      user_name: "Bench",
      type: "access_token",
    });
  }

  async sign(payload: JWTPayload): Promise<string> {
    const signingInput = `${this.encodedHeader}.${encode(payload)}`;
    const signature = await signAsync("sha256", Buffer.from(signingInput), this.privateKey);
    return `${signingInput}.${signature.toString("base64url")}`;
  }
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
