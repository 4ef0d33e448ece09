import type { DefinedProduct, Integration } from "../core/define-integration.ts";
import type { ProductConfiguration } from "./product-configuration.ts";
import { resolveProtocols } from "./protocols.ts";

/** The URLs to enter in the Integrations Console for a server reachable at `publicUrl`. */
export interface ConsoleUrls {
  baseUrl: string;
  redirectLoginUrl: string;
  webhookUrl: string;
}

export interface IntegrationConfig {
  products: ProductConfiguration[];
  urls?: ConsoleUrls;
}

/**
 * What to paste in the Integrations Console for each product of `integration`, and, given the
 * server's public URL, the integration's URLs.
 */
export function productConfig(
  integration: Integration,
  options: { publicUrl?: string } = {},
): IntegrationConfig {
  return {
    products: integration.products.map(productConfiguration),
    ...(options.publicUrl !== undefined && { urls: consoleUrls(options.publicUrl) }),
  };
}

export function productConfiguration(product: DefinedProduct): ProductConfiguration {
  return {
    // Vercel gives a product its own `iap_…` id; Partnerkit knows it by the slug it is registered under.
    id: product.id,
    slug: product.id,
    name: product.name ?? product.id,
    metadataSchema: product.metadataSchema,
    ...resolveProtocols(product),
    deploymentActions: Object.entries(product.actions ?? {}).map(([slug, action]) => ({
      slug,
      ...(action.name !== undefined && { name: action.name }),
    })),
  };
}

/** The Partner API's base, the SSO landing page and the webhook route (http/app.ts `/webhooks`). */
export function consoleUrls(publicUrl: string): ConsoleUrls {
  const base = publicUrl.replace(/\/+$/, "");
  return { baseUrl: base, redirectLoginUrl: `${base}/sso`, webhookUrl: `${base}/webhooks` };
}
