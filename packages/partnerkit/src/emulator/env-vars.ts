import type { Secret } from "../protocol/common.ts";

export type Environment = "development" | "preview" | "production";
export const ENVIRONMENTS: Environment[] = ["development", "preview", "production"];

const NEXT_PUBLIC = "NEXT_PUBLIC_";

/**
 * The env var name Vercel gives a secret (spec §3.4): the prefix is normalised to upper case with
 * `_` for hyphens and spaces, not doubled when the name already has it, and put after
 * `NEXT_PUBLIC_`. A prefix chosen when connecting the project wins over the partner's.
 */
export function envVarName(secretName: string, prefix: string | undefined): string {
  if (!prefix) return secretName;
  const normalised = prefix
    .trim()
    .replace(/[-\s]+/g, "_")
    .toUpperCase()
    .replace(/_+$/, "");
  if (!normalised) return secretName;
  const isPublic = secretName.startsWith(NEXT_PUBLIC);
  const bare = isPublic ? secretName.slice(NEXT_PUBLIC.length) : secretName;
  const prefixed = bare.startsWith(`${normalised}_`) ? bare : `${normalised}_${bare}`;
  return isPublic ? `${NEXT_PUBLIC}${prefixed}` : prefixed;
}

/** The env vars one resource's secrets become in one environment of a connected project. */
export function secretsToEnv(
  secrets: Secret[],
  environment: Environment,
  connectionPrefix?: string,
): Record<string, string> {
  return Object.fromEntries(
    secrets.map((secret) => [
      envVarName(secret.name, connectionPrefix || secret.prefix),
      secret.environmentOverrides?.[environment] ?? secret.value,
    ]),
  );
}

/**
 * The variable connecting a project adds for a resource whose flags sync to an Edge Config (spec
 * §11.3), beside its secrets and without their prefix. Its value is the Edge Config's connection
 * string, which the flags SDKs' Edge Config adapters read: Vercel names the variable but not its
 * value (UNCONFIRMED).
 */
export function experimentationEnv(
  edgeConfig: { id: string; token: string } | undefined,
): Record<string, string> {
  if (!edgeConfig) return {};
  return {
    EXPERIMENTATION_CONFIG: `https://edge-config.vercel.com/${edgeConfig.id}?token=${edgeConfig.token}`,
  };
}
