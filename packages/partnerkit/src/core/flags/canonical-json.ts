import { createHash } from "node:crypto";

/**
 * JSON with the keys of every object in one order, so that equal values give equal text whatever
 * order they were built in: what is stored, compared and digested.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** The sha256 of canonical JSON, hex: a configuration's digest. */
export function digestOf(json: string): string {
  return createHash("sha256").update(json).digest("hex");
}
