import type { StoredWebhookEvent } from "../store/records.ts";

/** What a delivery's job reads of it. */
export type HeldDelivery = Pick<StoredWebhookEvent, "id" | "type" | "createdAt" | "payload">;

/**
 * At most this many are kept: a delivery whose job never comes for it here (handed back by a
 * runner that stopped first) is dropped in time, and its job reads it from the store.
 */
const HELD_DELIVERIES_LIMIT = 1_024;

/**
 * Deliveries whose jobs the webhook intake handed to this process's runner, kept as they were
 * stored until the job takes its own: it starts as the intake's transaction commits, and would
 * otherwise read back and parse what the intake has just written. Only committed deliveries are
 * kept, and a stored delivery never changes, so either copy serves.
 */
export class HeldDeliveries {
  private readonly deliveries = new Map<string, HeldDelivery>();

  keep(delivery: HeldDelivery): void {
    this.deliveries.set(delivery.id, delivery);
    if (this.deliveries.size <= HELD_DELIVERIES_LIMIT) return;
    const oldest = this.deliveries.keys().next();
    if (!oldest.done) this.deliveries.delete(oldest.value);
  }

  /** The delivery `id`, once: a second attempt of its job reads it from the store. */
  take(id: string): HeldDelivery | undefined {
    const delivery = this.deliveries.get(id);
    if (delivery) this.deliveries.delete(id);
    return delivery;
  }
}
