import type { PricedPlan, Product, Secret } from "partnerkit";
import { defineProduct } from "partnerkit";
import { z } from "zod";
import type { FlagChanges } from "./flag-changes.ts";
import type { FlagStore } from "./flag-store.ts";
import { acmeFlagsRepl } from "./repl.ts";

export const ACME_FLAGS = "acme-flags";

const TOKEN = "ACME_FLAGS_TOKEN";

/** The flag a new store starts with when the form asks for one: half of the entities see it. */
export const SAMPLE_FLAG = "welcome-banner";

/** Every field has a default, so Vercel's CLI and agents can provision without a browser. */
export const AcmeFlagsMetadata = z.object({
  sampleFlag: z
    .boolean()
    .default(true)
    .meta({
      ui: {
        control: "toggle",
        label: "Start with a sample flag",
        description: `A "${SAMPLE_FLAG}" flag rolled out to half of your users`,
      },
    }),
});

const ACME_FLAGS_PLANS: PricedPlan[] = [
  {
    id: "free",
    type: "subscription",
    name: "Free",
    description: "Unlimited flags and evaluations.",
    paymentMethodRequired: false,
    cost: "$0",
    details: [{ label: "Flags", value: "Unlimited" }],
  },
];

export interface AcmeFlagsProductOptions {
  flags: FlagStore;
  changes: FlagChanges;
  /** Base URL the evaluation API is served at (DESIGN §3 `PUBLIC_URL`). */
  publicUrl: string;
}

/**
 * Acme Flags: feature flags kept by the integration server, evaluated by its own API and listed in
 * Vercel's Flags UI (the experimentation protocol): every change becomes an experimentation item
 * and a new configuration for the resource's Edge Config once the user syncs one.
 */
export function acmeFlagsProduct({ flags, changes, publicUrl }: AcmeFlagsProductOptions): Product {
  const secretsOf = (resourceId: string, token: string): Secret[] => [
    { name: "ACME_FLAGS_URL", value: `${publicUrl}/flags/${resourceId}` },
    { name: TOKEN, value: token },
  ];
  return defineProduct({
    id: ACME_FLAGS,
    name: "Acme Flags",
    metadata: AcmeFlagsMetadata,
    plans: ACME_FLAGS_PLANS,
    async provision(ctx, request) {
      const token = await flags.open(request.id, ctx.installation.id);
      if (request.metadata.sampleFlag) {
        await changes.write(request.id, SAMPLE_FLAG, {
          name: "Welcome banner",
          description: "Shows the new welcome banner",
          rollout: 50,
        });
      }
      ctx.log.info({ resourceId: request.id }, "flag store created");
      return { status: "ready", secrets: secretsOf(request.id, token) };
    },
    experimentation: {
      // Partnerkit asks for the first configuration once the resource exists on both sides: the
      // first moment the items of the flags made while provisioning can be listed too.
      async config(ctx, resource) {
        await changes.syncItems(ctx, resource.id);
        return changes.config(resource.id);
      },
    },
    repl: acmeFlagsRepl(flags, changes),
    protocols: { experimentation: { edgeConfigSyncingSupport: true } },
    primaryProtocol: "experimentation",
    // The store follows the resource, and the token its provisioner held stops working.
    async onTransfer(ctx, resource) {
      const token = await flags.open(resource.id, ctx.installation.id);
      await ctx.sync.updateResourceSecrets(resource.id, [{ name: TOKEN, value: token }], {
        partial: true,
      });
    },
    async delete(ctx, resource) {
      await flags.drop(resource.id);
      ctx.log.info({ resourceId: resource.id }, "flag store deleted");
    },
  });
}
