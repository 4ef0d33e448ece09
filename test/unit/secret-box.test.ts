import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";

const key = () => randomBytes(32).toString("base64");

describe("SecretBox", () => {
  it("opens what it sealed, and the ciphertext does not show the value", () => {
    const box = SecretBox.fromEnv(key());
    const sealed = box.seal("vercel_token_123", "installation:icfg_1:credentials");
    expect(sealed).not.toContain("vercel_token_123");
    expect(box.open(sealed, "installation:icfg_1:credentials")).toBe("vercel_token_123");
  });

  it("seals the same value differently every time", () => {
    const box = SecretBox.fromEnv(key());
    expect(box.seal("same", "ctx")).not.toBe(box.seal("same", "ctx"));
  });

  it("refuses a ciphertext moved to another row (context) or tampered with", () => {
    const box = SecretBox.fromEnv(key());
    const sealed = box.seal("secret", "resource:a:secrets");
    expect(() => box.open(sealed, "resource:b:secrets")).toThrow();
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString("base64url");
    expect(() => box.open(parts.join("."), "resource:a:secrets")).toThrow();
  });

  it("refuses a value whose authentication tag was truncated", () => {
    const box = SecretBox.fromEnv(key());
    for (const plaintext of ["", "secret"]) {
      const sealed = box.seal(plaintext, "ctx");
      const parts = sealed.split(".");
      const body = Buffer.from(parts[3] ?? "", "base64url");
      for (const tagBytes of [4, 8, 12, 15]) {
        const ciphertext = body.subarray(0, body.length - 16);
        const truncatedTag = body.subarray(body.length - 16, body.length - 16 + tagBytes);
        parts[3] = Buffer.concat([ciphertext, truncatedTag]).toString("base64url");
        expect(() => box.open(parts.join("."), "ctx")).toThrow();
      }
    }
  });

  it("rotates keys: a new first key seals, the old one still opens older values", () => {
    const oldKey = key();
    const sealedWithOld = SecretBox.fromEnv(oldKey).seal("legacy", "ctx");
    const rotated = SecretBox.fromEnv(`${key()},${oldKey}`);
    expect(rotated.open(sealedWithOld, "ctx")).toBe("legacy");
    const sealedWithNew = rotated.seal("fresh", "ctx");
    expect(sealedWithNew.split(".")[1]).not.toBe(sealedWithOld.split(".")[1]);
    expect(() => SecretBox.fromEnv(oldKey).open(sealedWithNew, "ctx")).toThrow(/not configured/);
  });

  it("names the newest key and the key that sealed a value", () => {
    const oldKey = `old:${key()}`;
    const rotated = SecretBox.fromEnv(`new:${key()},${oldKey}`);
    expect(rotated.newestKeyId).toBe("new");
    expect(rotated.keyIds).toEqual(["new", "old"]);
    const sealedWithOld = SecretBox.fromEnv(oldKey).seal("legacy", "ctx");
    expect(SecretBox.keyIdOf(sealedWithOld)).toBe("old");
    expect(sealedWithOld.startsWith(SecretBox.prefixOf("old"))).toBe(true);
    expect(rotated.seal("fresh", "ctx").startsWith(SecretBox.prefixOf("new"))).toBe(true);
    expect(SecretBox.keyIdOf("not sealed")).toBeUndefined();
    expect(SecretBox.keyIdOf("v1.old.")).toBeUndefined();
  });

  it("accepts hex keys and named keys, and refuses keys of the wrong size", () => {
    const hex = randomBytes(32).toString("hex");
    expect(SecretBox.fromEnv(`primary:${hex}`).seal("x", "c").split(".")[1]).toBe("primary");
    expect(() => SecretBox.fromEnv("too-short")).toThrow(/PARTNERKIT_ENCRYPTION_KEY/);
    expect(() => SecretBox.fromEnv("")).toThrow();
  });
});
