import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const ALGORITHM = "aes-256-gcm";
const FORMAT_VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface Key {
  id: string;
  material: Buffer;
}

/**
 * Encrypts values at rest with AES-256-GCM. Every ciphertext names the key that sealed it, so a
 * new key can be put first in the list while older ones still open what they sealed. The
 * `context` string is bound as associated data: a ciphertext copied to another row does not open.
 */
export class SecretBox {
  readonly #keys: Key[];

  constructor(keys: Key[]) {
    if (keys.length === 0) throw new Error("SecretBox needs at least one key");
    this.#keys = keys;
  }

  /**
   * Parses `PARTNERKIT_ENCRYPTION_KEY`: a comma-separated list of `[id:]key`, newest first, each key
   * 32 bytes in hex (64 characters) or base64. Without an id, the key's fingerprint names it.
   */
  static fromEnv(value: string): SecretBox {
    const entries = value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    return new SecretBox(entries.map(parseKeyEntry));
  }

  static generateKey(): string {
    return randomBytes(32).toString("base64");
  }

  /** The id of the key that sealed `sealed`; undefined when it is not a sealed value. */
  static keyIdOf(sealed: string): string | undefined {
    return parseSealed(sealed)?.keyId;
  }

  /** What every value sealed with key `keyId` starts with. */
  static prefixOf(keyId: string): string {
    return `${FORMAT_VERSION}.${keyId}.`;
  }

  /** The id of the key `seal` uses: the first one. */
  get newestKeyId(): string {
    return (this.#keys[0] as Key).id;
  }

  /** The ids of the configured keys, newest first. */
  get keyIds(): string[] {
    return this.#keys.map((key) => key.id);
  }

  seal(plaintext: string, context: string): string {
    const key = this.#keys[0] as Key;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key.material, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([
      cipher.update(plaintext, "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [FORMAT_VERSION, key.id, iv.toString("base64url"), body.toString("base64url")].join(".");
  }

  open(sealed: string, context: string): string {
    const parsed = parseSealed(sealed);
    if (!parsed) throw new Error("Encrypted value has an unknown format");
    const { keyId, iv, body } = parsed;
    const key = this.#keys.find((candidate) => candidate.id === keyId);
    if (!key) throw new Error(`Encryption key ${keyId} is not configured`);
    const bytes = Buffer.from(body, "base64url");
    // GCM accepts a prefix of the tag as a tag; a short one would be far easier to forge.
    if (bytes.length < TAG_BYTES) throw new Error("Encrypted value is too short");
    const decipher = createDecipheriv(ALGORITHM, key.material, Buffer.from(iv, "base64url"), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  }
}

function parseSealed(sealed: string): { keyId: string; iv: string; body: string } | undefined {
  const [version, keyId, iv, body] = sealed.split(".");
  if (version !== FORMAT_VERSION || !keyId || !iv || !body) return undefined;
  return { keyId, iv, body };
}

function parseKeyEntry(entry: string): Key {
  const separator = entry.indexOf(":");
  const id = separator > 0 ? entry.slice(0, separator) : undefined;
  const encoded = separator > 0 ? entry.slice(separator + 1) : entry;
  const material = /^[0-9a-f]{64}$/i.test(encoded)
    ? Buffer.from(encoded, "hex")
    : Buffer.from(encoded, "base64");
  if (material.length !== 32) {
    throw new Error(
      "PARTNERKIT_ENCRYPTION_KEY must hold 32-byte keys, in hex (64 characters) or base64",
    );
  }
  return { id: id ?? fingerprint(material), material };
}

function fingerprint(material: Buffer): string {
  return createHash("sha256").update(material).digest("hex").slice(0, 8);
}
