import type { SsoPath } from "./sso-params.ts";

export interface VercelSsoLinkOptions {
  /** The integration's URL slug in the Integrations Console. */
  integrationSlug: string;
  installationId: string;
  /** Deep link: Vercel sends it back to the Redirect Login URL as `resource_id`. */
  resourceId?: string;
  path?: SsoPath;
  /** A page of this server to land on after the sign-in (must be on `PUBLIC_URL`'s origin). */
  url?: string;
  /** Vercel's dashboard origin; `https://vercel.com` by default. */
  base?: string;
}

/**
 * The link that starts SSO from the provider's side (spec §9.2): Vercel checks the user may see
 * the installation and sends them to the Redirect Login URL with a fresh code, as when they click
 * "Open in provider". UNCONFIRMED: the exact form `https://vercel.com/sso/integrations/{slug}/
 * {installationId}` and which query parameters Vercel forwards as context (spec §9.2, §15).
 */
export function vercelSsoLink(options: VercelSsoLinkOptions): string {
  const base = (options.base ?? "https://vercel.com").replace(/\/$/, "");
  const link = new URL(
    `${base}/sso/integrations/${encodeURIComponent(options.integrationSlug)}/${encodeURIComponent(options.installationId)}`,
  );
  if (options.resourceId) link.searchParams.set("resource_id", options.resourceId);
  if (options.path) link.searchParams.set("path", options.path);
  if (options.url) link.searchParams.set("url", options.url);
  return link.toString();
}
