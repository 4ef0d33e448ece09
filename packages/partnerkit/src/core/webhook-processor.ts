import { z } from "zod";
import { lazyChild } from "../lazy-child.ts";
import {
  ConfigurationRemovedPayload,
  DeploymentActionPayload,
  InvoicePayload,
  webhookInstallationId,
} from "../protocol/webhooks.ts";
import { batchedRead } from "../store/batched-read.ts";
import type { Store } from "../store/store.ts";
import type { ActionService } from "./actions.ts";
import type { BillingService } from "./billing/billing-service.ts";
import { INVOICE_EVENT_STATES } from "./billing/invoice-events.ts";
import { CHECK_EVENTS, CHECK_WEBHOOK_JOB, type CheckService } from "./checks.ts";
import { applyAccountEvent } from "./configuration-events.ts";
import type { Integration } from "./define-integration.ts";
import type { HeldDeliveries } from "./held-deliveries.ts";
import type { VercelClientFor, Work } from "./hook-context.ts";
import type { InstallationService } from "./installations.ts";
import { Members } from "./members.ts";
import { InstallationSync } from "./vercel-sync.ts";

export const WEBHOOK_JOB = "webhook";
/** Deliveries of deployment actions: a pool of their own, so slow actions never delay the rest. */
export const ACTION_WEBHOOK_JOB = "webhook-action";

const ACTION_EVENTS: Record<string, "start" | "cancel" | "cleanup"> = {
  "deployment.integration.action.start": "start",
  "deployment.integration.action.cancel": "cancel",
  "deployment.integration.action.cleanup": "cleanup",
};

/** The job kind that processes a delivery of `eventType`; both kinds run `webhookProcessor`. */
export function webhookJobKind(eventType: string): string {
  if (Object.hasOwn(ACTION_EVENTS, eventType)) return ACTION_WEBHOOK_JOB;
  // deployment.canceled stays with the other deliveries: it is not only about checks.
  if (Object.hasOwn(CHECK_EVENTS, eventType) && eventType !== "deployment.canceled")
    return CHECK_WEBHOOK_JOB;
  return WEBHOOK_JOB;
}

export const WebhookJobPayload = z.object({ eventId: z.string() });
export type WebhookJobPayload = z.infer<typeof WebhookJobPayload>;

/**
 * Processes one stored delivery: the framework's own reactions first (an uninstall, a deployment
 * action, an invoice's new state, a member, scope or owner change), then the provider's handlers. Runs as a durable job, so a handler that fails is retried with backoff.
 */
export function webhookProcessor(
  integration: Integration,
  store: Store,
  installations: InstallationService,
  actions: ActionService,
  billing: BillingService,
  vercelFor: VercelClientFor,
  checks?: CheckService,
  held?: HeldDeliveries,
) {
  // Jobs a claim starts together read their deliveries, then their installations, together.
  const readEvent = batchedRead((ids: string[]) => store.getWebhookEvents(ids));
  const readInstallation = batchedRead((ids: string[]) => store.getInstallations(ids));
  const members = new Members(store);
  return async (eventId: string, { log, calls }: Work): Promise<void> => {
    const event = held?.take(eventId) ?? (await readEvent(eventId));
    if (!event) throw new Error(`Webhook event ${eventId} is not stored`);
    const installationId = webhookInstallationId(event.payload);
    const eventLog = lazyChild(log, { eventId, eventType: event.type, installationId });
    if (event.type === "integration-configuration.removed") {
      const { configuration } = ConfigurationRemovedPayload.parse(event.payload);
      await installations.removeByWebhook(configuration.id, {
        requestId: eventId,
        log: eventLog,
        calls,
      });
    }
    const lifecycle = ACTION_EVENTS[event.type];
    if (lifecycle)
      await actions[lifecycle](DeploymentActionPayload.parse(event.payload), {
        log: eventLog,
        eventId,
        calls,
      });
    await checks?.react(event.type, event.payload, { log: eventLog, eventId, calls });
    if (Object.hasOwn(INVOICE_EVENT_STATES, event.type))
      await billing.applyInvoiceEvent(event.type, InvoicePayload.parse(event.payload), {
        log: eventLog,
        calls,
      });
    if (installationId) await applyAccountEvent(store, members, installationId, event, eventLog);
    const installation = installationId ? await readInstallation(installationId) : undefined;
    const vercel =
      installation && !installation.deletedAt
        ? vercelFor(installation.id, eventLog, calls)
        : undefined;
    await integration.webhooks.dispatch(
      {
        event: { id: event.id, type: event.type, createdAt: event.createdAt },
        installation,
        vercel,
        sync:
          installation && vercel
            ? new InstallationSync(integration, store, installation, vercel)
            : undefined,
        members,
        log: eventLog,
      },
      event.payload,
    );
    eventLog.info("webhook processed");
  };
}
