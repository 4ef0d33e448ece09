import { DEFAULT_DATABASE_PATH } from "./store/default-path.ts";

/** The runtime contract of DESIGN §3. */
export interface ServerConfig {
  port: number;
  clientIds: string[];
  clientSecret: string;
  oidcIssuer: string;
  jwksUrl: string;
  vercelApiUrl: string;
  databaseUrl: string;
  encryptionKey: string;
  publicUrl: string;
  billingIntervalSeconds: number;
  /** `PARTNERKIT_INVOICE_TEST`: submit invoices in Vercel's test mode (spec §10). */
  invoiceTest?: { validate?: boolean; result?: "paid" | "notpaid" | "overdue" };
  /**
   * `PARTNERKIT_DEV_BILLING_CLOCK`, set by `partnerkit dev` only: the file of a billing clock the
   * emulator may move to the next period (see `cli/dev-billing-clock.ts`).
   */
  devBillingClockFile?: string;
  /** `PARTNERKIT_DEV=1`, set by `partnerkit dev`: also serves `/docs`, the API reference page. */
  dev?: boolean;
  /** `PARTNERKIT_SSO_PATH`: the Redirect Login URL's path (see docs/sso.md); `/sso` by default. */
  ssoPath?: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const DEFAULT_ISSUER = "https://marketplace.vercel.com";

type Env = Record<string, string | undefined>;

/** Reads the configuration of `partnerkit start`; a missing required variable is named in the error. */
export function loadConfig(env: Env = process.env): ServerConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`Missing required environment variable ${name}`);
    return value;
  };
  const port = integer(env.PORT, "PORT", 3000);
  const issuer = (env.VERCEL_OIDC_ISSUER || DEFAULT_ISSUER).replace(/\/$/, "");
  return {
    port,
    // A list lets one server answer a sandbox and a production integration (spec §2.4 step 3).
    clientIds: required("INTEGRATION_CLIENT_ID")
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean),
    clientSecret: required("INTEGRATION_CLIENT_SECRET"),
    oidcIssuer: issuer,
    jwksUrl: env.VERCEL_OIDC_JWKS_URL || `${issuer}/.well-known/jwks`,
    vercelApiUrl: env.VERCEL_API_URL || "https://api.vercel.com",
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_PATH,
    encryptionKey: required("PARTNERKIT_ENCRYPTION_KEY"),
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/$/, ""),
    billingIntervalSeconds: integer(
      env.PARTNERKIT_BILLING_INTERVAL,
      "PARTNERKIT_BILLING_INTERVAL",
      3600,
    ),
    invoiceTest: invoiceTestMode(env.PARTNERKIT_INVOICE_TEST),
    devBillingClockFile: env.PARTNERKIT_DEV_BILLING_CLOCK || undefined,
    dev: env.PARTNERKIT_DEV === "1" || undefined,
    ssoPath: ssoPath(env.PARTNERKIT_SSO_PATH),
  };
}

const TEST_RESULTS = ["paid", "notpaid", "overdue"] as const;

/** `paid`, `notpaid` or `overdue` fixes the test invoices' outcome; `validate` only checks them. */
function invoiceTestMode(value: string | undefined): ServerConfig["invoiceTest"] {
  const mode = value?.trim();
  if (!mode) return undefined;
  if (mode === "validate") return { validate: true };
  const result = TEST_RESULTS.find((candidate) => candidate === mode);
  if (!result) {
    throw new ConfigError(
      `PARTNERKIT_INVOICE_TEST must be one of validate, ${TEST_RESULTS.join(", ")}`,
    );
  }
  return { result };
}

function ssoPath(value: string | undefined): string | undefined {
  const path = value?.trim();
  if (!path) return undefined;
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
    throw new ConfigError("PARTNERKIT_SSO_PATH must be a path starting with /, e.g. /sso");
  }
  return path;
}

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new ConfigError(`${name} must be a whole number`);
  return parsed;
}
