import type { ItemPage } from "./dashboard-hook.ts";
import type { SsoParams } from "./sso-params.ts";

export const DASHBOARD_HOME = "/dashboard";

export interface LandingOptions {
  /** `PUBLIC_URL`: the only origin `url` may point at. */
  publicUrl: string;
  /** Whether the resource belongs to the signed-in installation (and is not deleted). */
  ownsResource: (resourceId: string) => Promise<boolean>;
  /** The page of an experimentation item (`dashboard.itemPage`), when the integration has them. */
  itemPage?: (itemId: string) => Promise<ItemPage | undefined>;
}

export const resourcePage = (resourceId: string) =>
  `${DASHBOARD_HOME}/resources/${encodeURIComponent(resourceId)}`;

/**
 * Where a fresh session lands, most specific first (spec §9.1): a `url` on our own origin, then
 * billing for an invoice, then the page of a flag or experiment (`experimentation_item_id`), then
 * the resource's page (its secrets for `path=secrets`), then the dashboard home. A resource or an
 * item of another installation lands on the home page, saying nothing about it. Ids go into
 * paths encoded (defect §12.3 item 10 interpolated them as they came).
 */
export async function landingPath(params: SsoParams, options: LandingOptions): Promise<string> {
  const followed = sameOriginPath(params.url, options.publicUrl);
  if (followed) return followed;
  if (params.invoice_id) {
    return `${DASHBOARD_HOME}/billing?invoice_id=${encodeURIComponent(params.invoice_id)}`;
  }
  if (params.path === "billing" || params.path === "usage") return `${DASHBOARD_HOME}/billing`;
  const item = params.experimentation_item_id
    ? await options.itemPage?.(params.experimentation_item_id)
    : undefined;
  if (item && (await options.ownsResource(item.resourceId))) {
    return `${resourcePage(item.resourceId)}/${item.path}`;
  }
  if (params.resource_id && (await options.ownsResource(params.resource_id))) {
    const page = resourcePage(params.resource_id);
    return params.path === "secrets" ? `${page}#secrets` : page;
  }
  return DASHBOARD_HOME;
}

/**
 * The path, query and fragment of `url` when it is on `publicUrl`'s origin; `undefined` for any
 * other origin, a scheme that is not http(s), or something that is not a URL. Relative values are
 * refused too: `//evil.test` would be another origin once resolved by the browser.
 */
export function sameOriginPath(url: string | undefined, publicUrl: string): string | undefined {
  if (!url) return undefined;
  let target: URL;
  let own: URL;
  try {
    target = new URL(url);
    own = new URL(publicUrl);
  } catch {
    return undefined;
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") return undefined;
  if (target.origin !== own.origin) return undefined;
  // `https://us.test//evil.test/x` is our origin, but its path alone, `//evil.test/x`, would send
  // the browser to evil.test: such paths are not followed.
  if (/^\/[/\\]/.test(target.pathname)) return undefined;
  return `${target.pathname}${target.search}${target.hash}`;
}
