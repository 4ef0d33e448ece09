import { z } from "zod";
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

/** marketplace.member.changed, spec §6.4; role NONE means the member was removed. */
export const MemberChangedPayload = z.object({
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

/** Payload schemas of the events the framework understands, by event type. */
export const WebhookPayloads = {
  "deployment.integration.action.start": DeploymentActionPayload,
  "deployment.integration.action.cancel": DeploymentActionPayload,
  "deployment.integration.action.cleanup": DeploymentActionPayload,
  "marketplace.invoice.created": InvoicePayload,
  "marketplace.invoice.paid": InvoicePayload,
  "marketplace.invoice.notpaid": InvoicePayload,
  "marketplace.invoice.overdue": InvoicePayload,
  "marketplace.invoice.refunded": InvoiceRefundedPayload,
  "marketplace.member.changed": MemberChangedPayload,
  "integration-configuration.removed": ConfigurationRemovedPayload,
  "integration-resource.project-connected": ProjectConnectionPayload,
  "integration-resource.project-disconnected": ProjectConnectionPayload,
} as const;

export type KnownWebhookType = keyof typeof WebhookPayloads;
export type WebhookPayload<T extends KnownWebhookType> = z.infer<(typeof WebhookPayloads)[T]>;

/** The installation a delivery is about: `payload.installationId`, else `payload.configuration.id`. */
export function webhookInstallationId(payload: Record<string, unknown>): string | undefined {
  const configuration = payload.configuration as { id?: unknown } | undefined;
  const candidate = payload.installationId ?? configuration?.id;
  return typeof candidate === "string" ? candidate : undefined;
}

/** The answer to a stored delivery; `duplicate` when its id was seen before (spec §6.3). */
export const WebhookReceipt = z.strictObject({ received: z.literal(true), duplicate: z.boolean() });
export type WebhookReceipt = z.infer<typeof WebhookReceipt>;
