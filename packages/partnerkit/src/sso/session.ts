import { createHash, hkdfSync } from "node:crypto";
import { z } from "zod";
import { SecretBox } from "../store/secret-box.ts";

export const SESSION_COOKIE = "pk_session";
export const DEFAULT_SESSION_SECONDS = 60 * 60;

/**
 * What Partnerkit keeps of an SSO sign-in, inside its own cookie: never the id_token (the docs
 * say not to persist it, and defect §12.3 item 10 put it in the browser). Users are Vercel user
 * ids, never e-mail addresses (spec §15).
 */
export const DashboardSession = z.object({
  installationId: z.string().min(1),
  userId: z.string().min(1),
  role: z.enum(["ADMIN", "USER"]),
  userName: z.string().optional(),
  /** Epoch seconds. */
  exp: z.number().int(),
});
export type DashboardSession = z.infer<typeof DashboardSession>;

// Bound as associated data: a value sealed for another purpose under the same key does not open.
const CONTEXT = "partnerkit.sso-session.v1";
const HKDF_SALT = "partnerkit";
const HKDF_INFO = "partnerkit sso session cookie v1";

/**
 * Seals sessions into cookie values with AES-256-GCM (encrypted and authenticated), under keys
 * derived with HKDF-SHA256 from each key of `PARTNERKIT_ENCRYPTION_KEY`: the first seals, all
 * open, so rotating that variable signs users out only once the old key is dropped. The derived
 * keys are not the keys that protect data at rest.
 */
export class SessionCodec {
  readonly #box: SecretBox;

  private constructor(box: SecretBox) {
    this.#box = box;
  }

  /** From the value of `PARTNERKIT_ENCRYPTION_KEY` (a comma-separated list, newest first). */
  static fromEncryptionKey(value: string): SessionCodec {
    const entries = value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (entries.length === 0) throw new Error("PARTNERKIT_ENCRYPTION_KEY is empty");
    const keys = entries.map((entry) => {
      const material = Buffer.from(hkdfSync("sha256", entry, HKDF_SALT, HKDF_INFO, 32));
      const id = createHash("sha256").update(material).digest("hex").slice(0, 8);
      return { id, material };
    });
    return new SessionCodec(new SecretBox(keys));
  }

  seal(session: DashboardSession): string {
    return this.#box.seal(JSON.stringify(DashboardSession.parse(session)), CONTEXT);
  }

  /** The session in `value`, or `undefined` when it is absent, tampered with, foreign or expired. */
  open(value: string | undefined, now = Date.now()): DashboardSession | undefined {
    if (!value) return undefined;
    let plaintext: string;
    try {
      plaintext = this.#box.open(value, CONTEXT);
    } catch {
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(plaintext);
    } catch {
      return undefined;
    }
    const session = DashboardSession.safeParse(json);
    if (!session.success || session.data.exp * 1000 <= now) return undefined;
    return session.data;
  }
}
