import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK, JWTPayload } from "jose";
import {
  MarketplaceIssuer,
  type SignOptions,
} from "../../packages/partnerkit/src/emulator/issuer.ts";

export type { SignOptions };

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

/**
 * The emulator's Marketplace issuer with test defaults (icfg_1, acct_1, user_1, ADMIN), and a
 * `claims` escape hatch to override or remove (`undefined`) any claim.
 */
export class TestIssuer {
  private constructor(private readonly issuer: MarketplaceIssuer) {}

  static async create(kid = "test-key-1"): Promise<TestIssuer> {
    return new TestIssuer(
      await MarketplaceIssuer.create({ issuer: TEST_ISSUER, audience: TEST_CLIENT_ID, kid }),
    );
  }

  get publicJwk(): JWK {
    return this.issuer.publicJwk;
  }

  get kid(): string {
    return this.issuer.options.kid;
  }

  get jwks(): { keys: JWK[] } {
    return this.issuer.jwks();
  }

  localKeySet() {
    return this.issuer.localKeySet();
  }

  userToken(options: UserTokenOptions = {}, sign: SignOptions = {}): Promise<string> {
    return this.issuer.userToken(
      {
        installationId: options.installationId ?? "icfg_1",
        accountId: options.accountId ?? "acct_1",
        userId: options.userId ?? "user_1",
        role: options.role ?? "ADMIN",
        email: "ada@example.com",
        name: "Ada",
      },
      sign,
      options.claims,
    );
  }

  systemToken(options: SystemTokenOptions = {}, sign: SignOptions = {}): Promise<string> {
    return this.issuer.systemToken(
      {
        installationId: options.installationId === undefined ? "icfg_1" : options.installationId,
        accountId: options.accountId === undefined ? "acct_1" : options.accountId,
      },
      sign,
      options.claims,
    );
  }

  sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
    return this.issuer.sign(payload, options);
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
