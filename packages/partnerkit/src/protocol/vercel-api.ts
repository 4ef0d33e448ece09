import { z } from "zod";
import { Balance } from "./billing.ts";
import { BillingPlan, Notification, ResourceStatus, Secret } from "./common.ts";
import { DecimalString, MoneyString } from "./money.ts";

// Bodies of the Vercel REST API a partner calls (spec §5). Requests are tolerant of unknown keys
// unless the spec says "no extra props"; the shapes follow `@vercel/sdk` 1.28.35's models.

const IsoDate = z.iso.datetime({ offset: true });

export const VercelPeriod = z
  .object({ start: IsoDate, end: IsoDate })
  .refine((period) => Date.parse(period.start) <= Date.parse(period.end), {
    message: "start must not be after end",
    path: ["end"],
  });
export type VercelPeriod = z.infer<typeof VercelPeriod>;

/**
 * The billing plan Vercel shows for an installation or an imported resource (spec §5.1): our
 * BillingPlan with `description` optional and unknown keys kept, as the SDK's `additionalProperties`.
 */
export const VercelBillingPlan = BillingPlan.pick({
  id: true,
  type: true,
  name: true,
  paymentMethodRequired: true,
  cost: true,
  details: true,
  highlightedDetails: true,
  effectiveDate: true,
})
  .extend({ description: z.string().optional() })
  .loose();
export type VercelBillingPlan = z.infer<typeof VercelBillingPlan>;

/** Resource metadata as Vercel stores it (spec §5.6). */
export const VercelMetadata = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.array(z.number())]),
);
export type VercelMetadata = z.infer<typeof VercelMetadata>;

/** PATCH /v1/installations/{id}, spec §5.1 → 204. `notification: null` clears it. */
export const VercelUpdateInstallationRequest = z.object({
  status: ResourceStatus.optional(),
  externalId: z.string().optional(),
  billingPlan: VercelBillingPlan.optional(),
  notification: Notification.nullable().optional(),
});
export type VercelUpdateInstallationRequest = z.infer<typeof VercelUpdateInstallationRequest>;

/** GET /v1/installations/{id}/account, spec §5.2. */
export const VercelAccountResponse = z.object({
  name: z.string().optional(),
  url: z.string(),
  contact: z.object({ email: z.string(), name: z.string().optional() }).nullable(),
});
export type VercelAccountResponse = z.infer<typeof VercelAccountResponse>;

/** GET /v1/installations/{id}/member/{memberId}, spec §5.3. */
export const VercelMemberResponse = z.object({
  id: z.string(),
  role: z.enum(["ADMIN", "USER"]),
  globalUserId: z.string().optional(),
  userEmail: z.string().optional(),
});
export type VercelMemberResponse = z.infer<typeof VercelMemberResponse>;

/** POST /v1/installations/{id}/events, spec §5.5 → 201 empty. */
export const VercelEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("installation.updated"), billingPlanId: z.string().optional() }),
  z.object({
    type: z.literal("resource.updated"),
    resourceId: z.string().min(1),
    productId: z.string().optional(),
  }),
]);
export type VercelEvent = z.infer<typeof VercelEvent>;

export const VercelCreateEventRequest = z.object({ event: VercelEvent });
export type VercelCreateEventRequest = z.infer<typeof VercelCreateEventRequest>;

export const Ownership = z.enum(["owned", "linked", "sandbox"]);
export type Ownership = z.infer<typeof Ownership>;

/** PUT /v1/installations/{id}/resources/{resourceId}, spec §5.8 → 200 `{ name }`. */
export const VercelImportResourceRequest = z.object({
  productId: z.string().min(1),
  name: z.string().min(1),
  status: ResourceStatus,
  ownership: Ownership.optional(),
  metadata: VercelMetadata.optional(),
  billingPlan: VercelBillingPlan.optional(),
  notification: Notification.optional(),
  extras: z.record(z.string(), z.unknown()).optional(),
  secrets: z.array(Secret).optional(),
});
export type VercelImportResourceRequest = z.infer<typeof VercelImportResourceRequest>;

/** PUT /v1/installations/{id}/resources/{resourceId}/secrets, spec §5.11 → 201 empty. */
export const VercelUpdateSecretsRequest = z.object({
  secrets: z.array(Secret),
  partial: z.boolean().optional(),
});
export type VercelUpdateSecretsRequest = z.infer<typeof VercelUpdateSecretsRequest>;

/** Spec §5.11: `partial: true` overwrites only the named secrets; otherwise the set is replaced. */
export function applySecrets(current: Secret[], update: VercelUpdateSecretsRequest): Secret[] {
  if (!update.partial) return update.secrets;
  const names = new Set(update.secrets.map((secret) => secret.name));
  return [...current.filter((secret) => !names.has(secret.name)), ...update.secrets];
}

/** PATCH /v1/installations/{id}/resources/{resourceId}, spec §5.9 → 200 `{ name }`. */
export const VercelUpdateResourceRequest = z.object({
  ownership: Ownership.optional(),
  name: z.string().min(1).optional(),
  status: ResourceStatus.optional(),
  metadata: VercelMetadata.optional(),
  billingPlan: VercelBillingPlan.optional(),
  notification: Notification.nullable().optional(),
  extras: z.record(z.string(), z.unknown()).optional(),
  secrets: z.union([z.array(Secret), VercelUpdateSecretsRequest]).optional(),
});
export type VercelUpdateResourceRequest = z.infer<typeof VercelUpdateResourceRequest>;

export const VercelResourceNameResponse = z.object({ name: z.string() });
export type VercelResourceNameResponse = z.infer<typeof VercelResourceNameResponse>;

/** What items and discounts share: the plan, the resource and the span they are about. */
const BillingLine = z.object({
  billingPlanId: z.string().min(1),
  resourceId: z.string().optional(),
  start: IsoDate.optional(),
  end: IsoDate.optional(),
  name: z.string().min(1),
  details: z.string().optional(),
});

/** A line of interim billing data or of an invoice, spec §5.12. */
export const VercelBillingItem = BillingLine.extend({
  price: DecimalString,
  quantity: z.number(),
  units: z.string(),
  total: MoneyString,
});
export type VercelBillingItem = z.infer<typeof VercelBillingItem>;

export const VercelDiscount = BillingLine.extend({ amount: MoneyString });
export type VercelDiscount = z.infer<typeof VercelDiscount>;

export const VercelUsage = z.object({
  resourceId: z.string().optional(),
  name: z.string().min(1),
  type: z.enum(["total", "interval", "rate"]),
  units: z.string(),
  dayValue: z.number(),
  periodValue: z.number(),
  planValue: z.number().optional(),
});
export type VercelUsage = z.infer<typeof VercelUsage>;

/** POST /v1/installations/{id}/billing, spec §5.12 → 201 empty. `billing` has two forms. */
export const VercelBillingDataRequest = z
  .object({
    timestamp: IsoDate,
    eod: IsoDate,
    period: VercelPeriod,
    billing: z.union([
      z.array(VercelBillingItem),
      z.object({
        items: z.array(VercelBillingItem),
        discounts: z.array(VercelDiscount).optional(),
      }),
    ]),
    usage: z.array(VercelUsage),
  })
  .refine(
    (body) =>
      Date.parse(body.eod) >= Date.parse(body.period.start) &&
      Date.parse(body.eod) <= Date.parse(body.period.end),
    { message: "must fall within period", path: ["eod"] },
  );
export type VercelBillingDataRequest = z.infer<typeof VercelBillingDataRequest>;

export const VercelInvoiceState = z.enum([
  "draft",
  "invoiced",
  "notpaid",
  "overdue",
  "paid",
  "pending",
  "refund_requested",
  "refunded",
  "scheduled",
]);
export type VercelInvoiceState = z.infer<typeof VercelInvoiceState>;

/** POST /v1/installations/{id}/billing/invoices, spec §5.13 → 200 JSON. */
export const VercelSubmitInvoiceRequest = z.object({
  externalId: z.string().min(1).optional(),
  invoiceDate: IsoDate,
  memo: z.string().optional(),
  period: VercelPeriod,
  items: z.array(VercelBillingItem).min(1),
  discounts: z.array(VercelDiscount).optional(),
  final: z.boolean().optional(),
  test: z
    .object({
      validate: z.boolean().optional(),
      result: z.enum(["paid", "notpaid", "overdue"]).optional(),
    })
    .optional(),
});
export type VercelSubmitInvoiceRequest = z.infer<typeof VercelSubmitInvoiceRequest>;

export const VercelSubmitInvoiceResponse = z.object({
  invoiceId: z.string().optional(),
  test: z.boolean().optional(),
  validationErrors: z.array(z.string()).optional(),
});
export type VercelSubmitInvoiceResponse = z.infer<typeof VercelSubmitInvoiceResponse>;

/** GET /v1/installations/{id}/billing/invoices/{invoiceId}, spec §5.13. */
export const VercelInvoice = z.object({
  test: z.boolean().optional(),
  invoiceId: z.string(),
  externalId: z.string().optional(),
  state: VercelInvoiceState,
  invoiceNumber: z.string().optional(),
  invoiceDate: z.string(),
  period: z.object({ start: z.string(), end: z.string() }),
  paidAt: z.string().optional(),
  refundedAt: z.string().optional(),
  memo: z.string().optional(),
  items: z.array(VercelBillingItem),
  discounts: z.array(VercelDiscount).optional(),
  total: z.string(),
  refundReason: z.string().optional(),
  refundTotal: z.string().optional(),
  created: z.string(),
  updated: z.string(),
});
export type VercelInvoice = z.infer<typeof VercelInvoice>;

/** POST /v1/installations/{id}/billing/invoices/{invoiceId}/actions, spec §5.13 → 204. */
export const VercelInvoiceActionRequest = z.object({
  action: z.literal("refund"),
  reason: z.string().min(1),
  total: MoneyString,
});
export type VercelInvoiceActionRequest = z.infer<typeof VercelInvoiceActionRequest>;

/** POST /v1/installations/{id}/billing/balance, spec §5.14 → 201 empty. */
export const VercelBalancesRequest = z.object({ timestamp: IsoDate, balances: z.array(Balance) });
export type VercelBalancesRequest = z.infer<typeof VercelBalancesRequest>;

export const DeploymentActionStatus = z.enum(["running", "succeeded", "failed"]);
export type DeploymentActionStatus = z.infer<typeof DeploymentActionStatus>;

/**
 * PATCH /v1/deployments/{dpl}/integrations/{id}/resources/{rid}/actions/{action}, spec §5.17 → 202.
 * The spec says "no extra props", so every level is strict.
 */
export const VercelDeploymentActionRequest = z.strictObject({
  status: DeploymentActionStatus.optional(),
  statusText: z.string().optional(),
  statusUrl: z
    .string()
    .regex(/^(https?:\/\/|sso:)/, "must start with http://, https:// or sso:")
    .optional(),
  outcomes: z
    .array(
      z.strictObject({
        kind: z.string().min(1),
        secrets: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })),
      }),
    )
    .optional(),
});
export type VercelDeploymentActionRequest = z.infer<typeof VercelDeploymentActionRequest>;

/**
 * GET /v13/deployments/{idOrUrl}, spec §5.17: the part of Vercel's answer a partner reads, plus the
 * fields `@vercel/sdk` requires to parse it as a full deployment (without them it falls back to a
 * three-field shape and drops `gitSource`/`meta`). A preview deployment has `target: null`.
 */
export const VercelDeployment = z.object({
  id: z.string(),
  url: z.string(),
  name: z.string(),
  projectId: z.string(),
  ownerId: z.string(),
  target: z.enum(["production", "staging"]).nullable(),
  readyState: z.enum(["QUEUED", "BUILDING", "INITIALIZING", "READY", "ERROR", "CANCELED"]),
  status: z.enum(["QUEUED", "BUILDING", "INITIALIZING", "READY", "ERROR", "CANCELED"]),
  type: z.literal("LAMBDAS"),
  version: z.literal(2),
  public: z.boolean(),
  aliasAssigned: z.boolean(),
  buildSkipped: z.boolean(),
  createdAt: z.number(),
  buildingAt: z.number(),
  bootedAt: z.number(),
  regions: z.array(z.string()),
  creator: z.object({ uid: z.string(), username: z.string().optional() }),
  gitSource: z.object({
    type: z.literal("github"),
    org: z.string(),
    repo: z.string(),
    ref: z.string(),
    sha: z.string(),
    prId: z.number().nullable(),
  }),
  meta: z.record(z.string(), z.string()),
});
export type VercelDeployment = z.infer<typeof VercelDeployment>;

/** POST /v1/installations/{id}/credentials/rotate, spec §5.4 → 200. */
export const VercelRotateCredentialRequest = z.object({
  client_secret: z.string().min(1),
  client_id: z.string().optional(),
});
export type VercelRotateCredentialRequest = z.infer<typeof VercelRotateCredentialRequest>;

export const VercelRotateCredentialResponse = z.object({
  access_token: z.string(),
  token_type: z.literal("oauth2-token"),
  expires_in: z.number(),
  scope: z.string(),
});
export type VercelRotateCredentialResponse = z.infer<typeof VercelRotateCredentialResponse>;

/** POST /v1/installations/{id}/credentials/revoke, spec §5.4 (body fields as in `@vercel/sdk`). */
export const VercelRevokeCredentialRequest = VercelRotateCredentialRequest.extend({
  token: z.string().min(1),
});
export type VercelRevokeCredentialRequest = z.infer<typeof VercelRevokeCredentialRequest>;

export const VercelRevokeCredentialResponse = z.object({
  revoked: z.boolean(),
  already_revoked: z.boolean(),
});
export type VercelRevokeCredentialResponse = z.infer<typeof VercelRevokeCredentialResponse>;
