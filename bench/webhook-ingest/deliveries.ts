import { randomBytes } from "node:crypto";
import { OnceFeed } from "../lib/request-feed.ts";
import {
  deliveryRequest,
  type SignedDelivery,
  signDelivery,
  type WebhookEnvelope,
} from "../servers/webhook-delivery.ts";

/** The size of every delivery's body, in bytes. */
export const DELIVERY_BYTES = 1024;

/** Distinguishes this process's event ids from any other run's. */
const RUN = randomBytes(4).toString("hex");

/**
 * `count` signed `marketplace.member.changed` deliveries about `installationId`, each with its own
 * event id (a repeated id would be acknowledged as a duplicate without being stored) and padded
 * with an extra payload field to exactly `DELIVERY_BYTES`, so the stored payload is that size too.
 */
export function buildDeliveries(
  count: number,
  phase: string,
  installationId: string,
): SignedDelivery[] {
  const deliveries = new Array<SignedDelivery>(count);
  const createdAt = Date.now();
  for (let index = 0; index < count; index += 1) {
    const envelope: WebhookEnvelope = {
      id: `evt_${RUN}_${phase}_${index}`,
      type: "marketplace.member.changed",
      createdAt,
      payload: {
        installationId,
        configuration: { id: installationId },
        memberId: `mem_${phase}_${index}`,
        role: "USER",
        globalUserId: `user_${phase}_${index}`,
        userEmail: `member-${index}@bench.test`,
        note: "",
      },
    };
    const unpadded = Buffer.byteLength(JSON.stringify(envelope));
    envelope.payload.note = "x".repeat(Math.max(0, DELIVERY_BYTES - unpadded));
    deliveries[index] = signDelivery(envelope);
  }
  return deliveries;
}

/** Deliveries as a load's feed: each request sends the next one, none twice. */
export function deliveryFeed(deliveries: readonly SignedDelivery[]): OnceFeed<SignedDelivery> {
  return new OnceFeed(deliveries, deliveryRequest);
}
