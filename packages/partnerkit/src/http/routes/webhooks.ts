import { Hono } from "hono";
import { verifyWebhookSignature } from "../../auth/webhook-signature.ts";
import { PartnerError } from "../../core/partner-error.ts";
import { issuesToFields } from "../../core/validation.ts";
import { type WebhookJobPayload, webhookJobKind } from "../../core/webhook-processor.ts";
import { WebhookEnvelope } from "../../protocol/webhooks.ts";
import { groupCommit } from "../../store/group-commit.ts";
import type { Store } from "../../store/store.ts";
import { type NewWebhookEvent, webhookJobKey } from "../../store/webhook-event-queries.ts";
import type { AppEnv } from "../env.ts";
import { sendError } from "../error-response.ts";

export interface WebhookRouteOptions {
  path: string;
  store: Store;
  /** The client secret, or several while rotating it. */
  secrets: readonly string[];
  /** Called after a new delivery's job is stored, to start it at once. */
  onEnqueued?: () => void;
}

/**
 * The webhook receiver (spec §6): verify the signature on the raw bytes, store the delivery and
 * its job in one transaction, answer. Work happens in the job, so the answer takes milliseconds;
 * a delivery whose id was seen before is acknowledged and not processed again. Deliveries that
 * arrive together share that transaction (group commit); each is answered once it is durable.
 */
export function webhookRoutes(options: WebhookRouteOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const storeDelivery = groupCommit(options.store, storeDeliveries);
  routes.post(options.path, async (c) => {
    const raw = await c.req.text();
    const signature = verifyWebhookSignature(
      raw,
      c.req.header("x-vercel-signature"),
      options.secrets,
    );
    if (!signature.ok) {
      c.get("log").warn({ reason: signature.reason }, "webhook signature rejected");
      return sendError(c, new PartnerError(401, signature.reason, "Webhook signature is invalid"));
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw PartnerError.badRequest("Webhook body is not valid JSON");
    }
    const parsed = WebhookEnvelope.safeParse(body);
    if (!parsed.success) {
      throw PartnerError.validation(
        "Webhook envelope failed validation",
        issuesToFields(parsed.error.issues),
      );
    }
    const event = parsed.data;
    const fresh = await storeDelivery({
      id: event.id,
      type: event.type,
      payload: event.payload,
      createdAt: event.createdAt,
    });
    if (fresh) options.onEnqueued?.();
    c.get("log").info(
      { eventId: event.id, eventType: event.type, duplicate: !fresh },
      "webhook received",
    );
    return c.json({ received: true, duplicate: !fresh });
  });
  return routes;
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
