import { type WebhookJobPayload, webhookJobKind } from "../../core/webhook-processor.ts";
import { WebhookEnvelope, WebhookReceipt } from "../../protocol/webhooks.ts";
import { groupCommit } from "../../store/group-commit.ts";
import type { Store } from "../../store/store.ts";
import { type NewWebhookEvent, webhookJobKey } from "../../store/webhook-event-queries.ts";
import { errorResponse } from "../route-responses.ts";
import { defineRoute, type Route } from "../route-spec.ts";

export interface WebhookIntake {
  /** Stores a delivery and its job, durably; false when its id was seen before. */
  store(event: NewWebhookEvent): Promise<boolean>;
  /** Called after a new delivery's job is stored, to start it at once. */
  onEnqueued?: () => void;
}

/**
 * Deliveries that arrive together share one transaction (group commit); each is answered once it
 * is durable.
 */
export function webhookIntake(store: Store, onEnqueued?: () => void): WebhookIntake {
  return { store: groupCommit(store, storeDeliveries), onEnqueued };
}

/**
 * The webhook receiver (spec §6) at `path` ("Webhook URL" in the console): the signature is checked
 * on the raw bytes, then the delivery and its job are stored in one transaction and answered.
 * Work happens in the job, so the answer takes milliseconds; a delivery whose id was seen before
 * is acknowledged and not processed again.
 */
export function webhookRoute(path: string): Route<WebhookIntake> {
  return defineRoute({
    method: "post",
    path,
    tag: "Webhooks",
    section: "§6",
    summary: "Receive Webhook",
    description:
      "Vercel's deliveries, signed with `x-vercel-signature` (hex HMAC-SHA1 of the raw body, keyed with the integration's client secret). Acknowledged once stored; processed in a job.",
    auth: { kind: "webhook-signature" },
    body: { schema: WebhookEnvelope },
    responses: {
      200: { description: "Stored (or seen before)", schema: WebhookReceipt },
      401: errorResponse("The signature is missing or wrong"),
    },
    handle: async (c, event, intake) => {
      const fresh = await intake.store({
        id: event.id,
        type: event.type,
        payload: event.payload,
        createdAt: event.createdAt,
      });
      if (fresh) intake.onEnqueued?.();
      c.get("log").info(
        { eventId: event.id, eventType: event.type, duplicate: !fresh },
        "webhook received",
      );
      return c.json({ received: true, duplicate: !fresh } satisfies WebhookReceipt);
    },
  });
}

/** The deliveries and, for each new one, the job that processes it. */
async function storeDeliveries(store: Store, events: NewWebhookEvent[]): Promise<boolean[]> {
  const fresh = await store.recordWebhookEvents(events);
  await store.enqueueJobs(
    events
      .filter((_, index) => fresh[index])
      .map((event) => {
        const payload: WebhookJobPayload = { eventId: event.id };
        return {
          kind: webhookJobKind(event.type),
          dedupeKey: webhookJobKey(event.id),
          payload,
        };
      }),
  );
  return fresh;
}
