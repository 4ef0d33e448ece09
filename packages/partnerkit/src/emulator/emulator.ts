import { Hono } from "hono";
import { BillingDriver } from "./billing-driver.ts";
import type { ConsoleProduct } from "./console/pages.ts";
import { consoleRoutes } from "./console/routes.ts";
import { controlRoutes } from "./control-routes.ts";
import { type DeploymentAction, DeploymentSimulator } from "./deployments.ts";
import { MarketplaceIssuer } from "./issuer.ts";
import { type Fetch, PartnerClient } from "./partner-client.ts";
import { type CallFilter, CallRecorder, type RecordedCall } from "./recorder.ts";
import { EmulatorState } from "./state.ts";
import { StateFile } from "./state-file.ts";
import { vercelApiRoutes } from "./vercel-api/app.ts";
import type { FaultPlan } from "./vercel-api/faults.ts";
import { checkRunWebhookPayload } from "./vercel-api/routes/checks.ts";
import { VercelApiState } from "./vercel-api/store.ts";
import {
  type Deliver,
  type DeliveryResult,
  type RetryPolicy,
  WebhookSender,
} from "./webhook-sender.ts";

export interface EmulatorOptions {
  /** The emulator's own base URL: the token issuer and the JWKS live under it. */
  url: string;
  /** Where the partner server is (its Base URL). */
  partnerUrl: string;
  /** The partner's Webhook URL; `<partnerUrl>/webhooks` by default. */
  webhookUrl?: string;
  /** How deliveries the emulator sends on its own (e.g. deployment actions) are retried. */
  webhookRetry?: Partial<RetryPolicy>;
  clientId: string;
  clientSecret: string;
  /** Keeps the signing key between runs. */
  keyFile?: string;
  /** Reaches the partner without a socket, e.g. a partner app's `fetch`. */
  partnerFetch?: Fetch;
  /** Products offered in the console, with their metadata form as JSON Schema. */
  products?: ConsoleProduct[];
  /** Hears what the partner should fix although its call was accepted (e.g. unknown fields). */
  warn?: (message: string) => void;
  /** Keeps the Marketplace's state in this file across restarts (see `state-file.ts`). */
  stateFile?: string;
}

export interface Emulator {
  /** The emulator as a Web fetch handler: issuer, inspector and console. */
  app: Hono;
  fetch: (request: Request) => Response | Promise<Response>;
  issuer: MarketplaceIssuer;
  state: EmulatorState;
  partner: PartnerClient;
  /** Sends a signed webhook delivery to the partner, retrying like Vercel. */
  deliver: Deliver;
  /** Sends several deliveries one after another, as given, reversed or shuffled. */
  deliverAll(
    events: { type: string; payload: Record<string, unknown> }[],
    options?: Parameters<WebhookSender["deliverAll"]>[1],
  ): Promise<DeliveryResult[]>;
  /** Deployments of emulated projects and their integration actions (spec §7). */
  deployments: DeploymentSimulator;
  calls(filter?: CallFilter): RecordedCall[];
  /** What the partner sent to Vercel's API, and the faults to inject into it. */
  vercelApi: { store: VercelApiState; faults: FaultPlan };
  /** Invoice state changes with their webhooks, and credit purchases. */
  billing: BillingDriver;
  clientId: string;
  clientSecret: string;
  /** Where webhooks go. */
  webhookUrl: string;
  /** Writes the state file one last time, when there is one. */
  close(): Promise<void>;
}

/** A fake Vercel Marketplace that talks to the partner only over HTTP. */
export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  const url = options.url.replace(/\/$/, "");
  const issuer = await MarketplaceIssuer.create({
    issuer: url,
    audience: options.clientId,
    keyFile: options.keyFile,
  });
  const warn = options.warn ?? (() => {});
  const state = new EmulatorState();
  // Vercel's REST API (spec §5): the partner's VERCEL_API_URL points here.
  const vercelApiStore = new VercelApiState();
  const stateFile =
    options.stateFile === undefined
      ? undefined
      : await StateFile.open({ file: options.stateFile, state, vercelApi: vercelApiStore, warn });
  const recorder = new CallRecorder();
  const partner = new PartnerClient({
    partnerUrl: options.partnerUrl,
    issuer,
    state,
    recorder,
    fetch: options.partnerFetch,
  });

  const webhookUrl = options.webhookUrl ?? `${options.partnerUrl.replace(/\/$/, "")}/webhooks`;
  const webhooks = new WebhookSender({
    url: webhookUrl,
    secret: options.clientSecret,
    recorder,
    fetch: options.partnerFetch,
    retry: options.webhookRetry,
  });
  const deliver: Emulator["deliver"] = (type, payload, deliveryOptions) =>
    webhooks.deliver(webhooks.envelope(type, payload), deliveryOptions);

  const app = new Hono();
  app.get("/.well-known/openid-configuration", (c) => c.json(issuer.openidConfiguration()));
  app.get("/.well-known/jwks", (c) => c.json(issuer.jwks()));
  app.get("/__emulator/calls", (c) =>
    c.json({ calls: recorder.list({ installationId: c.req.query("installationId") }) }),
  );
  const deployments = new DeploymentSimulator({
    state,
    store: vercelApiStore,
    sendActionEvent: (event, action, deploymentId) =>
      deliver(`deployment.integration.action.${event}`, actionPayload(action, deploymentId)),
    checks: {
      declared: (resourceId) => {
        const productId = state.resources.get(resourceId)?.productId;
        return options.products?.find((product) => product.id === productId)?.checks ?? [];
      },
      send: (event, run) => deliver(`deployment.checkrun.${event}`, checkRunWebhookPayload(run)),
    },
    deliver,
  });
  const vercelApi = vercelApiRoutes({
    state,
    recorder,
    store: vercelApiStore,
    client: { id: options.clientId, secret: options.clientSecret },
    onEvent: (installationId, event) =>
      event.type === "resource.updated"
        ? partner.refreshResource(installationId, event.resourceId)
        : undefined,
    onActionReport: (record) => deployments.actionReported(record),
    warn,
  });
  app.route("/", vercelApi.app);
  const billing = new BillingDriver(vercelApi.store, webhooks, partner);
  app.route(
    "/",
    controlRoutes({ partner, state, deployments, deliver, products: options.products ?? [] }),
  );
  app.route(
    "/",
    consoleRoutes({
      partner,
      issuer,
      state,
      recorder,
      products: options.products ?? [],
      partnerUrl: options.partnerUrl,
      deployments,
      deliver,
      billing: { state, store: vercelApi.store, driver: billing },
      vercelApi: { store: vercelApi.store, faults: vercelApi.faults },
    }),
  );

  return {
    app,
    fetch: app.fetch,
    issuer,
    state,
    partner,
    deliver,
    deliverAll: (events, deliveryOptions) =>
      webhooks.deliverAll(
        events.map((event) => webhooks.envelope(event.type, event.payload)),
        deliveryOptions,
      ),
    deployments,
    calls: (filter) => recorder.list(filter),
    vercelApi: { store: vercelApi.store, faults: vercelApi.faults },
    billing,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    webhookUrl,
    close: async () => stateFile?.close(),
  };
}

/** The payload of `deployment.integration.action.*` (spec §6.4). */
function actionPayload(action: DeploymentAction, deploymentId: string) {
  return {
    configuration: { id: action.installationId },
    installationId: action.installationId,
    resourceId: action.resourceId,
    action: action.action,
    deployment: { id: deploymentId },
  };
}
