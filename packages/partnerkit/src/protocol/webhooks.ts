import { z } from "zod";
import { CheckRerequestedPayload, CheckRunPayload } from "./check-webhooks.ts";
import { EpochMilliseconds } from "./common.ts";

/** Every webhook delivery, spec §6.1. Unknown fields are tolerated: Vercel adds them over time. */
export const WebhookEnvelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  createdAt: EpochMilliseconds,
  region: z.string().nullish(),
  payload: z.record(z.string(), z.unknown()),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelope>;

const Configuration = z.object({ id: z.string() });

/** deployment.integration.action.start|cancel|cleanup, spec §6.4 and §7. */
export const DeploymentActionPayload = z.object({
  configuration: Configuration.optional(),
  installationId: z.string(),
  resourceId: z.string(),
  action: z.string(),
  deployment: z.object({ id: z.string() }),
});
export type DeploymentActionPayload = z.infer<typeof DeploymentActionPayload>;

/** marketplace.invoice.created|paid|notpaid|overdue, spec §6.4. */
export const InvoicePayload = z.object({
  configuration: Configuration.optional(),
  installationId: z.string(),
  invoiceId: z.string(),
  externalInvoiceId: z.string().nullish(),
  period: z.object({ start: z.string(), end: z.string() }).optional(),
  invoiceDate: z.string().optional(),
  invoiceTotal: z.string().optional(),
});
export type InvoicePayload = z.infer<typeof InvoicePayload>;

/** marketplace.invoice.refunded, spec §6.4. */
export const InvoiceRefundedPayload = InvoicePayload.omit({
  invoiceDate: true,
  invoiceTotal: true,
}).extend({
  amount: z.string().optional(),
  reason: z.string().optional(),
});
export type InvoiceRefundedPayload = z.infer<typeof InvoiceRefundedPayload>;

/**
 * marketplace.member.changed, spec §6.4; role NONE means the member was removed. `memberId` is
 * the Vercel user id (`user_id` claim); the other ids and the e-mail need extra permissions.
 */
export const MemberChangedPayload = z.looseObject({
  configuration: Configuration.optional(),
  installationId: z.string(),
  memberId: z.string(),
  role: z.enum(["ADMIN", "USER", "NONE"]),
  globalUserId: z.string().optional(),
  userEmail: z.string().optional(),
});
export type MemberChangedPayload = z.infer<typeof MemberChangedPayload>;

/** integration-configuration.removed, spec §6.4. */
export const ConfigurationRemovedPayload = z.object({
  team: z.object({ id: z.string() }).nullish(),
  user: z.object({ id: z.string() }).nullish(),
  configuration: z.object({
    id: z.string(),
    projectSelection: z.enum(["all", "selected"]).optional(),
    projects: z.array(z.string()).optional(),
  }),
});
export type ConfigurationRemovedPayload = z.infer<typeof ConfigurationRemovedPayload>;

/** integration-resource.project-connected|disconnected, spec §6.4. */
export const ProjectConnectionPayload = z.object({
  configuration: Configuration.optional(),
  installationId: z.string(),
  resourceId: z.string(),
  projectId: z.string().optional(),
  project: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  targets: z.array(z.string()).optional(),
});
export type ProjectConnectionPayload = z.infer<typeof ProjectConnectionPayload>;

/**
 * Fields Vercel adds to many payloads besides the documented ones. `integrations[]` replaces the
 * deprecated `installationIds` (spec §6.1, §15); neither is in Vercel's webhook reference, only in
 * its reference integration (UNCONFIRMED), so both are accepted and read through
 * `webhookInstallationIds`.
 */
const DeliveryFields = {
  team: z.looseObject({ id: z.string() }).nullish(),
  user: z.looseObject({ id: z.string().nullable() }).nullish(),
  installationIds: z.array(z.string()).optional(),
  integrations: z
    .array(
      z.looseObject({
        installationId: z.string(),
        resources: z.array(z.looseObject({ externalResourceId: z.string() })).optional(),
      }),
    )
    .optional(),
};

/**
 * integration-configuration.permission-upgraded: the user changed which projects the
 * installation may access (spec §6.4; Vercel's webhook reference). Unknown fields are kept.
 */
export const ConfigurationPermissionUpgradedPayload = z.looseObject({
  ...DeliveryFields,
  // UNCONFIRMED whether a payload in the `integrations[]` form still carries `configuration`.
  configuration: z
    .looseObject({
      id: z.string(),
      /** `all` or `selected`; other values are passed on as they came. */
      projectSelection: z.string().optional(),
      projects: z.array(z.string()).optional(),
    })
    .optional(),
  projects: z
    .looseObject({
      added: z.array(z.string()).optional(),
      removed: z.array(z.string()).optional(),
    })
    .optional(),
});
export type ConfigurationPermissionUpgradedPayload = z.infer<
  typeof ConfigurationPermissionUpgradedPayload
>;

/**
 * integration-configuration.scope-change-confirmed: the user accepted the integration's new
 * scopes; `configuration.scopes` lists all of them after the change (Vercel's webhook reference).
 */
export const ConfigurationScopeChangePayload = z.looseObject({
  ...DeliveryFields,
  configuration: z
    .looseObject({ id: z.string(), scopes: z.array(z.string()).optional() })
    .optional(),
});
export type ConfigurationScopeChangePayload = z.infer<typeof ConfigurationScopeChangePayload>;

/**
 * integration-configuration.transferred: the installation moved to another team; the account
 * ids are those of marketplace installations (Vercel's webhook reference). Every field is
 * optional here: the framework acts only on what is present.
 */
export const ConfigurationTransferredPayload = z.looseObject({
  ...DeliveryFields,
  configuration: z.looseObject({ id: z.string() }).optional(),
  installationId: z.string().optional(),
  previousTeamId: z.string().nullish(),
  previousAccountId: z.string().nullish(),
  newTeamId: z.string().nullish(),
  newAccountId: z.string().nullish(),
});
export type ConfigurationTransferredPayload = z.infer<typeof ConfigurationTransferredPayload>;

/**
 * deployment.created|ready|succeeded|error|canceled (spec §6.4; Vercel's webhook reference lists
 * `deployment.{id,meta,url,name}`, `links.{deployment,project}`, `target`, `project.id`, `plan`,
 * `regions[]`, and `alias[]` on created). Only `deployment.id` is required: the rest is read
 * tolerantly, since a delivery refused here would retry until its job is dead.
 */
export const DeploymentEventPayload = z.looseObject({
  ...DeliveryFields,
  configuration: z.looseObject({ id: z.string() }).optional(),
  installationId: z.string().optional(),
  deployment: z.looseObject({
    id: z.string(),
    url: z.string().optional(),
    name: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    // UNCONFIRMED inside `deployment`: the reference documents the top-level `target`.
    target: z.string().nullish(),
  }),
  links: z
    .looseObject({ deployment: z.string().optional(), project: z.string().optional() })
    .optional(),
  /** `production`, `staging` or null per the reference; any other value is passed on. */
  target: z.string().nullish(),
  project: z.looseObject({ id: z.string() }).optional(),
  plan: z.string().optional(),
  regions: z.array(z.string()).optional(),
  alias: z.array(z.string()).optional(),
});
export type DeploymentEventPayload = z.infer<typeof DeploymentEventPayload>;

/** Payload schemas of the events the framework understands, by event type. */
export const WebhookPayloads = {
  "deployment.integration.action.start": DeploymentActionPayload,
  "deployment.integration.action.cancel": DeploymentActionPayload,
  "deployment.integration.action.cleanup": DeploymentActionPayload,
  "deployment.checkrun.start": CheckRunPayload,
  "deployment.checkrun.cancel": CheckRunPayload,
  "deployment.check-rerequested": CheckRerequestedPayload,
  "deployment.created": DeploymentEventPayload,
  "deployment.ready": DeploymentEventPayload,
  "deployment.succeeded": DeploymentEventPayload,
  "deployment.error": DeploymentEventPayload,
  "deployment.canceled": DeploymentEventPayload,
  "marketplace.invoice.created": InvoicePayload,
  "marketplace.invoice.paid": InvoicePayload,
  "marketplace.invoice.notpaid": InvoicePayload,
  "marketplace.invoice.overdue": InvoicePayload,
  "marketplace.invoice.refunded": InvoiceRefundedPayload,
  "marketplace.member.changed": MemberChangedPayload,
  "integration-configuration.removed": ConfigurationRemovedPayload,
  "integration-configuration.permission-upgraded": ConfigurationPermissionUpgradedPayload,
  "integration-configuration.scope-change-confirmed": ConfigurationScopeChangePayload,
  "integration-configuration.transferred": ConfigurationTransferredPayload,
  "integration-resource.project-connected": ProjectConnectionPayload,
  "integration-resource.project-disconnected": ProjectConnectionPayload,
} as const;

export type KnownWebhookType = keyof typeof WebhookPayloads;
export type WebhookPayload<T extends KnownWebhookType> = z.infer<(typeof WebhookPayloads)[T]>;

/**
 * The installations a delivery names, first the one it is about: `payload.installationId`,
 * `payload.configuration.id`, then each `payload.integrations[].installationId` and, from older
 * payloads, each `payload.installationIds[]`; without repeats. The one place that reads them.
 */
export function webhookInstallationIds(payload: Record<string, unknown>): string[] {
  const configuration = asRecord(payload.configuration);
  const integrations = Array.isArray(payload.integrations) ? payload.integrations : [];
  const listed = Array.isArray(payload.installationIds) ? payload.installationIds : [];
  const candidates: unknown[] = [
    payload.installationId,
    configuration?.id,
    ...integrations.map((entry) => asRecord(entry)?.installationId),
    ...listed,
  ];
  const ids = candidates.filter(
    (candidate): candidate is string => typeof candidate === "string" && candidate !== "",
  );
  return [...new Set(ids)];
}

/** The installation a delivery is about (see `webhookInstallationIds`). */
export function webhookInstallationId(payload: Record<string, unknown>): string | undefined {
  return webhookInstallationIds(payload)[0];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The answer to a stored delivery; `duplicate` when its id was seen before (spec §6.3). */
export const WebhookReceipt = z.strictObject({ received: z.literal(true), duplicate: z.boolean() });
export type WebhookReceipt = z.infer<typeof WebhookReceipt>;
