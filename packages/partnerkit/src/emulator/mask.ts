const SECRET_KEYS = new Set([
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "authorization",
  "token",
]);

export const MASK = "••••••";

/** A copy of a JSON value safe to show: token fields and secret values are replaced. */
export function maskSecrets(value: unknown, parentKey = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, parentKey));
  if (value === null || typeof value !== "object") return value;
  const masked: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (SECRET_KEYS.has(key.toLowerCase()) && typeof entry === "string") {
      masked[key] = MASK;
    } else if (parentKey === "secrets" && (key === "value" || key === "environmentOverrides")) {
      masked[key] = key === "value" ? MASK : maskValues(entry);
    } else {
      masked[key] = maskSecrets(entry, key);
    }
  }
  return masked;
}

function maskValues(value: unknown): unknown {
  if (value === null || typeof value !== "object") return MASK;
  return Object.fromEntries(Object.keys(value).map((key) => [key, MASK]));
}
