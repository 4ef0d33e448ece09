/**
 * Acme Flags' world: the demo integration (`examples/acme-kv/src/index.ts`) behind the real
 * `createPartnerkit`, the emulator as Vercel, and the flags API called with a resource's token as
 * an application holding its secrets would.
 */
import type { Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { vercelSecret } from "../sso/dashboard-support.ts";
import { type SsoMarket, ssoMarket } from "../sso/support.ts";

export const PUBLIC_URL = "http://partner.test";

export interface FlagsMarket extends SsoMarket {
  /** Calls the flags API of a resource with its ACME_FLAGS_TOKEN (or `token`). */
  api(
    resourceId: string,
    method: string,
    path: string,
    options?: { body?: unknown; token?: string },
  ): Promise<Response>;
}

/** The world, with the partner's jobs running (the sync to Vercel happens in them). */
export async function flagsMarket(): Promise<FlagsMarket> {
  const market = await ssoMarket({ publicUrl: PUBLIC_URL });
  market.internals.jobs.start();
  return Object.assign(market, {
    api(
      resourceId: string,
      method: string,
      path: string,
      options: { body?: unknown; token?: string } = {},
    ) {
      const token = options.token ?? vercelSecret(market.emulator, resourceId, "ACME_FLAGS_TOKEN");
      return market.partnerkit.fetch(
        new Request(`${PUBLIC_URL}/flags/${resourceId}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(options.body !== undefined && { "content-type": "application/json" }),
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        }),
      );
    },
  });
}

/** Provisions an Acme Flags resource through the emulator (Vercel's side). */
export function provisionFlags(
  emulator: Emulator,
  installationId: string,
  options: { name?: string; sampleFlag?: boolean; syncFlags?: boolean } = {},
) {
  return emulator.partner.provision(installationId, {
    productId: "acme-flags",
    name: options.name ?? "flags",
    metadata: { sampleFlag: options.sampleFlag ?? true },
    billingPlanId: "free",
    ...(options.syncFlags && { syncFlags: true }),
  });
}
