import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/** The form field (or `x-csrf-token` header) every dashboard write must carry. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

const HKDF_SALT = "partnerkit";
const HKDF_INFO = "partnerkit dashboard csrf v1";

/**
 * CSRF tokens bound to the session: an HMAC of the sealed session cookie, so a token is good for
 * that one sign-in only and needs no server-side state. `SameSite=Lax` alone is not enough: it
 * only stops cross-*site* requests, and a sibling subdomain (user content on `*.example.com`, a
 * preview deployment) is the same site, so its forms would post with our cookie. The key is
 * derived from each key of `PARTNERKIT_ENCRYPTION_KEY`; tokens made under any of them verify,
 * as the session itself still opens under any of them.
 */
export class CsrfTokens {
  readonly #keys: Buffer[];

  private constructor(keys: Buffer[]) {
    this.#keys = keys;
  }

  static fromEncryptionKey(value: string): CsrfTokens {
    const keys = value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => Buffer.from(hkdfSync("sha256", entry, HKDF_SALT, HKDF_INFO, 32)));
    if (keys.length === 0) throw new Error("PARTNERKIT_ENCRYPTION_KEY is empty");
    return new CsrfTokens(keys);
  }

  /** The token of the session whose cookie value is `sealedSession`. */
  issue(sealedSession: string): string {
    return this.#mac(this.#keys[0] as Buffer, sealedSession);
  }

  verify(sealedSession: string, token: string | undefined): boolean {
    if (!token) return false;
    const given = Buffer.from(token);
    return this.#keys.some((key) => {
      const expected = Buffer.from(this.#mac(key, sealedSession));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  #mac(key: Buffer, sealedSession: string): string {
    return createHmac("sha256", key).update(sealedSession).digest("base64url");
  }
}
