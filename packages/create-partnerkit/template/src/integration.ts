import { randomBytes } from "node:crypto";
import { defineIntegration, defineProduct, type Secret } from "partnerkit";
import { z } from "zod";

/**
 * The form Vercel shows when a customer creates a resource. Partnerkit validates it before any
 * hook runs (invalid values are refused with a 400 naming the field), and hooks get it typed.
 */
const Metadata = z.object({
  region: z
    .enum(["iad1", "fra1", "sfo1"])
    .meta({ title: "Region", description: "Where the resource runs" }),
});
type Metadata = z.infer<typeof Metadata>;

// Stands in for your service: API keys by resource id, or by `<resource id>/<deployment id>` for
// a deployment's own key. It lives in memory, so it forgets everything on restart: call your
// backend's API from these two functions instead.
const apiKeys = new Map<string, string>();

function issueApiKey(owner: string): string {
  const key = `sk_${randomBytes(24).toString("base64url")}`;
  apiKeys.set(owner, key);
  return key;
}

function revokeApiKeys(resourceId: string): void {
  for (const owner of apiKeys.keys()) {
    if (owner === resourceId || owner.startsWith(`${resourceId}/`)) apiKeys.delete(owner);
  }
}

/** The env vars Vercel sets in the projects connected to a resource. */
const secretsFor = (metadata: Metadata, owner: string, apiKey: string): Secret[] => [
  { name: "__ENV_PREFIX___URL", value: `https://${metadata.region}.api.example.com/${owner}` },
  { name: "__ENV_PREFIX___API_KEY", value: apiKey },
];

const product = defineProduct({
  // The product's id as registered in the Integrations Console.
  id: "__PRODUCT_ID__",
  name: "__PRODUCT_NAME__",
  metadata: Metadata,
  plans: [
    {
      id: "free",
      type: "subscription",
      name: "Free",
      description: "For trying things out.",
      paymentMethodRequired: false,
      cost: "$0",
    },
    {
      id: "pro",
      type: "subscription",
      name: "Pro",
      description: "For production.",
      paymentMethodRequired: true,
      cost: "$20/month",
      // What Partnerkit invoices each billing period; Vercel is sent the plan without them.
      prices: [{ type: "fixed", name: "Pro plan", amount: "20.00" }],
    },
  ],

  async provision(ctx, request) {
    ctx.log.info({ resourceId: request.id, region: request.metadata.region }, "provisioning");
    return { secrets: secretsFor(request.metadata, request.id, issueApiKey(request.id)) };
  },

  async delete(_ctx, resource) {
    revokeApiKeys(resource.id);
  },

  // Deployment actions by slug, as registered in the Integrations Console: Vercel runs them when a
  // connected project deploys and holds the deployment until they report.
  actions: {
    "deployment-key": {
      name: "Give each deployment its own API key",
      async start(_ctx, { resource, deployment }) {
        const owner = `${resource.id}/${deployment.id}`;
        // Secrets returned here are set for this deployment only.
        return { secrets: secretsFor(resource.metadata, owner, issueApiKey(owner)) };
      },
      async cancel(_ctx, { resource, deployment }) {
        apiKeys.delete(`${resource.id}/${deployment.id}`);
      },
      async cleanup(_ctx, { resource, deployment }) {
        apiKeys.delete(`${resource.id}/${deployment.id}`);
      },
    },
  },
});

export default defineIntegration({ products: [product] });
