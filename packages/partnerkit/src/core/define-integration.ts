import type { Hono } from "hono";
import type { Logger } from "pino";
import type { z } from "zod";
import { metadataDialect } from "../product/metadata-dialect.ts";
import type { VercelMetadataSchema } from "../product/metadata-schema.ts";
import type { PrimaryProtocol, ProductProtocolsInput } from "../product/product-configuration.ts";
import { resolveProtocols } from "../product/protocols.ts";
import type {
  BillingPlan,
  JsonObject,
  Notification,
  ProtocolSettings,
  ResourceStatus,
  Secret,
} from "../protocol/common.ts";
import type { ReplBlock } from "../protocol/repl.ts";
import type { VercelInvoiceState } from "../protocol/vercel-api.ts";
import type { DashboardDefinition } from "../sso/dashboard-hook.ts";
import type { InstallationRecord, ResourceRecord } from "../store/records.ts";
import type { VercelClient } from "../vercel/vercel-client.ts";
import type { PricedPlan } from "./billing/pricing.ts";
import type { CheckDefinition } from "./checks-types.ts";
import type { FlagsConfig } from "./flags/flag-sync-types.ts";
import { checkedPlans } from "./plans.ts";
import type { InstallationSync } from "./vercel-sync.ts";
import { WebhookHandlers } from "./webhook-handlers.ts";

export type {
  DashboardContext,
  DashboardDefinition,
  DashboardEnv,
  DashboardTools,
  ResourceLink,
} from "../sso/dashboard-hook.ts";

/** What every provider hook receives. */
export interface HookContext {
  installation: InstallationRecord;
  log: Logger;
  requestId: string;
  /** Vercel's API, authenticated as this installation (its token never reaches your code). */
  vercel: VercelClient;
  /**
   * Records usage of one of this installation's resources: adds `value` to an `interval` meter,
   * or reports the current level of a `total` meter. Stored at once; Vercel gets running totals.
   */
  meter(resourceId: string, meter: string, value: number): Promise<void>;
  /**
   * Records usage of the installation itself on one of the integration's own `meters`
   * (installation-level billing): reported and invoiced without a `resourceId`.
   */
  meterInstallation(meter: string, value: number): Promise<void>;
  /** Changes made on your side, kept here and told to Vercel (spec §11.2). */
  sync: InstallationSync;
}

export interface PlanQuery {
  /** The form values so far: possibly partial, not yet validated. */
  metadata: JsonObject;
  installation?: InstallationRecord;
}

/** Plans with their prices (see `PlanPrice`); Vercel is sent them without the prices. */
export type PlanSource =
  | readonly PricedPlan[]
  | ((query: PlanQuery) => readonly PricedPlan[] | Promise<readonly PricedPlan[]>);

/** A usage meter (spec §5.12 `Usage`): `interval` adds up consumption, `total` is a level. */
export interface MeterDefinition {
  /** Shown in Vercel's usage view, e.g. "Requests". */
  name: string;
  type: "interval" | "total";
  units: string;
}

/** An invoice of a resource that changed state (spec §6.4 `marketplace.invoice.*`). */
export interface InvoiceChange {
  invoiceId: string;
  state: VercelInvoiceState;
  total: string;
  /** The webhook event type that announced it. */
  event: string;
}

export interface ProvisionRequest<Metadata> {
  /** The id the resource will have; generated before the hook runs so it can name real things. */
  id: string;
  name: string;
  metadata: Metadata;
  billingPlan: BillingPlan;
  externalId?: string;
  protocolSettings?: ProtocolSettings;
}

export interface ProvisionResult {
  /** `pending`/`onboarding` when the work finishes later; defaults to `ready`. */
  status?: ResourceStatus;
  secrets: Secret[];
  notification?: Notification;
}

export type ProvisionedResource<Metadata> = Omit<ResourceRecord, "metadata"> & {
  metadata: Metadata;
};

export interface ResourceUpdate<Metadata> {
  name?: string;
  metadata?: Metadata;
  billingPlan?: BillingPlan;
  status?: ResourceStatus;
}

export interface ResourceUpdateResult {
  status?: ResourceStatus;
  notification?: Notification | null;
}

/** What a deployment action's hooks receive: the hook context plus Vercel and an abort signal. */
export interface ActionContext extends HookContext {
  /** Aborted when the action is canceled or times out: stop work and let the promise settle. */
  signal: AbortSignal;
}

export interface ActionDeployment {
  id: string;
  url?: string;
  target?: string | null;
  gitRef?: string;
  gitSha?: string;
}

export interface ActionInput<Metadata> {
  deployment: ActionDeployment;
  resource: ProvisionedResource<Metadata>;
  action: string;
}

export interface ActionResult {
  /** Env vars for this deployment only (`resource-secrets` outcomes, spec §7). */
  secrets?: { name: string; value: string }[];
  statusText?: string;
}

/** A deployment integration action (spec §7), declared under its slug. */
export interface ActionDefinition<Metadata> {
  /** What the action does, as the project connection dialog shows it (set in the Integrations Console too). */
  name?: string;
  start(ctx: ActionContext, input: ActionInput<Metadata>): Promise<ActionResult | undefined>;
  /** The action or its deployment was canceled: undo partial work. */
  cancel?(ctx: ActionContext, input: ActionInput<Metadata>): Promise<void>;
  /** The deployment was deleted for good: drop per-deployment state. */
  cleanup?(ctx: ActionContext, input: ActionInput<Metadata>): Promise<void>;
  /** How long `start` may take before it is aborted and reported failed. */
  timeoutMs?: number;
}

export interface RotationRequest {
  reason?: string;
  /** How long the previous secrets must keep working (0…720, spec §4.10). */
  delayOldSecretsExpirationHours: number;
}

export interface RotationResult {
  secrets: Secret[];
  /** Only the listed secrets changed; the others stay as they are. */
  partial?: boolean;
}

/** Secrets rotation, spec §4.10. */
export interface SecretsRotationDefinition<Metadata> {
  /**
   * Answer `202 { sync: false }` at once and rotate in a durable job, which then sends the new
   * secrets to Vercel (§5.11). Use it when creating credentials takes longer than a request.
   */
  async?: boolean;
  /** Create new credentials; the current ones must keep working until `revoke`. */
  rotate(
    ctx: HookContext,
    resource: ProvisionedResource<Metadata>,
    request: RotationRequest,
  ): Promise<RotationResult>;
  /** The grace period is over: make the secrets that were replaced stop working. */
  revoke(
    ctx: HookContext,
    resource: ProvisionedResource<Metadata>,
    previous: Secret[],
  ): Promise<void>;
}

/** Experimentation (flags), spec §5.18 and §11.3; see docs/flags.md. */
export interface ExperimentationDefinition<Metadata> {
  /**
   * The flags configuration of a resource, for the first push to an Edge Config Vercel names
   * (`protocolSettings.experimentation.edgeConfigId`) when none was given to
   * `ctx.sync.flags.pushConfig`. Later changes go through `pushConfig`.
   */
  config(ctx: HookContext, resource: ProvisionedResource<Metadata>): Promise<FlagsConfig>;
}

/** A transfer that moved a resource between installations (spec §4.16). */
export interface ResourceTransfer {
  /** The claim's `providerClaimId`. */
  id: string;
  /** The installation the resource left. */
  from: string;
  /** The installation that owns it now, which `ctx` is bound to. */
  to: string;
}

/** One command of the resource REPL (spec §4.11). */
export interface ReplCommand<Metadata> {
  /** Changes data: refused on a `readOnly` request and for USER-role members. */
  write?: boolean;
  /** Names of the arguments, e.g. `["key", "value"]`; the input must give exactly these. */
  args?: readonly string[];
  description?: string;
  run(
    ctx: HookContext,
    resource: ProvisionedResource<Metadata>,
    args: string[],
  ): Promise<ReplBlock[] | string>;
}

export interface ProductDefinition<Metadata extends JsonObject> {
  /** The product id/slug registered in the Integrations Console. */
  id: string;
  name?: string;
  /**
   * Validates the user's form values; its issues come back to Vercel as `fields`. It is also the
   * form Vercel shows: `.meta({ ui: { … } })` on a field picks its control (see `UiHint`), and
   * `partnerkit product-config` prints the metadata schema to paste in the console.
   */
  metadata: z.ZodType<Metadata>;
  /**
   * The protocols the product implements, as the console configures them; `status` defaults to
   * `"enabled"`, and `storage.repl` flags come from `repl` when not given.
   */
  protocols?: ProductProtocolsInput;
  /** The protocol the product is listed under; the only one declared when there is one. */
  primaryProtocol?: PrimaryProtocol;
  plans: PlanSource;
  provision(ctx: HookContext, request: ProvisionRequest<Metadata>): Promise<ProvisionResult>;
  update?(
    ctx: HookContext,
    resource: ProvisionedResource<Metadata>,
    update: ResourceUpdate<Metadata>,
  ): Promise<ResourceUpdateResult | undefined>;
  delete?(ctx: HookContext, resource: ProvisionedResource<Metadata>): Promise<void>;
  secretsRotation?: SecretsRotationDefinition<Metadata>;
  /** REPL commands by name; the input's first word picks one. */
  repl?: Record<string, ReplCommand<Metadata>>;
  /**
   * An accepted transfer moved the resource to another installation (e.g. a claimed project):
   * re-scope what belongs to its owner. Runs once per moved resource, in a durable job queued by
   * the accept; called again only after it threw. `ctx` is the new installation's.
   */
  onTransfer?(
    ctx: HookContext,
    resource: ProvisionedResource<Metadata>,
    transfer: ResourceTransfer,
  ): Promise<void>;
  /** Deployment actions by slug, as registered in the Integrations Console. */
  actions?: Record<string, ActionDefinition<Metadata>>;
  /** Deployment checks by the name of the project check they run (spec §8; see core/checks.ts). */
  checks?: Record<string, CheckDefinition<Metadata>>;
  /** Experimentation (flags): what to push to the resource's Edge Config (see docs/flags.md). */
  experimentation?: ExperimentationDefinition<Metadata>;
  /** Usage meters by id, as plan prices and `ctx.meter` name them. */
  meters?: Record<string, MeterDefinition>;
  /** Levels of `total` meters, read before each billing submission (e.g. stored bytes). */
  usage?(
    ctx: HookContext,
    resource: ProvisionedResource<Metadata>,
  ): Promise<{ meter: string; value: number }[]>;
  /**
   * The same for all of an installation's resources of this product at once, used instead of
   * `usage` when given: one query for the lot instead of one per resource, which is most of a
   * billing report's cost for an installation with many resources.
   */
  usageOf?(
    ctx: HookContext,
    resources: ProvisionedResource<Metadata>[],
  ): Promise<{ resourceId: string; meter: string; value: number }[]>;
  /**
   * One of the resource's invoices changed state (paid, notpaid, overdue, refunded); the answer's
   * status and notification are stored and Vercel is told the resource changed.
   */
  onInvoice?(
    ctx: HookContext,
    resource: ProvisionedResource<Metadata>,
    invoice: InvoiceChange,
  ): Promise<ResourceUpdateResult | undefined>;
}

/** A product with its metadata type erased, as the framework stores it. */
export type Product = ProductDefinition<JsonObject>;

/** A product of a defined integration: its metadata schema in Vercel's dialect, converted once. */
export type DefinedProduct = Product & { readonly metadataSchema: VercelMetadataSchema };

export interface IntegrationDefinition {
  products: Product[];
  /** Installation-level plans (needs "Installation-level Billing Plans" in the console). */
  installationPlans?: PlanSource;
  /** Plan assigned to new installations when installation-level billing is used. */
  defaultInstallationPlanId?: string;
  /**
   * `"installation"` bills each installation on its own plan (spec §10): the prices of its plan
   * from `installationPlans`, usage of the `meters` below, one invoice per installation per plan
   * per period, with no `resourceId`. Resources on resource-scoped plans are still billed on
   * their own; those on installation-scoped plans are covered by the installation's invoice.
   * Default `"resource"`.
   */
  billing?: "resource" | "installation";
  /** Installation-level meters (with `billing: "installation"`), fed by `ctx.meterInstallation`. */
  meters?: Record<string, MeterDefinition>;
  /** Levels of the installation's `total` meters, read before each billing submission. */
  usage?(ctx: HookContext): Promise<{ meter: string; value: number }[]>;
  /**
   * An installation-level invoice changed state (with `billing: "installation"`), e.g. to limit
   * the account on `overdue`; `ctx.sync` tells Vercel. Resource invoices go to the product's.
   */
  onInvoice?(ctx: HookContext, invoice: InvoiceChange): Promise<void>;
  onInstall?(ctx: HookContext): Promise<void>;
  onUninstall?(ctx: HookContext): Promise<void>;
  /**
   * The integration's own HTTP routes (a data plane, a dashboard), served beside the Partner API
   * behind the same error handling. They are not Vercel's: authenticate their callers yourself.
   */
  routes?(tools: RouteTools): Hono;
  /**
   * The integration's own dashboard pages, under `/dashboard` behind the SSO session: each
   * request gets `c.get("dashboard")` with the session, the installation and `vercel`. USER-role
   * writes and writes without the session's CSRF token are refused before your handler runs.
   * See docs/sso.md.
   */
  dashboard?: DashboardDefinition;
}

/** What `routes` may use outside any provider hook. */
export interface RouteTools {
  /** Records usage of a resource, as `ctx.meter` does in a hook. */
  meter(resourceId: string, meter: string, value: number): Promise<void>;
  /** A hook context of an installation, for `ctx.sync` when a request changes something. */
  contextFor(installationId: string, log: Logger): Promise<HookContext>;
  log: Logger;
}

export interface Integration extends IntegrationDefinition {
  products: DefinedProduct[];
  product(id: string): DefinedProduct | undefined;
  /** Handle a webhook event type: `integration.on("marketplace.invoice.paid", async (ctx, payload) => …)`. */
  on: WebhookHandlers["on"];
  /** Handle every event, after the handlers of its type. */
  onAny: WebhookHandlers["onAny"];
  readonly webhooks: WebhookHandlers;
}

/**
 * Declares one product with its metadata schema; the hooks are typed from that schema. The
 * framework validates metadata with `metadata` before any hook sees it, which is what makes
 * erasing the type to `Product` safe.
 */
export function defineProduct<Metadata extends JsonObject>(
  definition: ProductDefinition<Metadata>,
): Product {
  return definition as unknown as Product;
}

export function defineIntegration(input: IntegrationDefinition): Integration {
  const definition = {
    ...input,
    products: input.products.map((product): DefinedProduct => {
      resolveProtocols(product);
      return {
        ...product,
        plans: checkedPlans(product.plans, `Product ${product.id}`),
        metadataSchema: metadataDialect(product.id, product.metadata),
      };
    }),
    ...(input.installationPlans && {
      installationPlans: checkedPlans(input.installationPlans, "installationPlans"),
    }),
  };
  const byId = new Map(definition.products.map((product) => [product.id, product]));
  if (byId.size !== definition.products.length) throw new Error("Product ids must be unique");
  if ((definition.meters || definition.usage) && definition.billing !== "installation") {
    throw new Error('Installation meters need billing: "installation"');
  }
  const webhooks = new WebhookHandlers();
  return {
    ...definition,
    product: (id) => byId.get(id),
    on: webhooks.on.bind(webhooks),
    onAny: webhooks.onAny.bind(webhooks),
    webhooks,
  };
}
