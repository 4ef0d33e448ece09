import { type Kysely, sql } from "kysely";
import type { StoredWebhookEvent } from "./records.ts";
import { reusableQuery } from "./reusable-query.ts";
import { type Tables, WEBHOOK_EVENT_COLUMNS } from "./tables.ts";

export type NewWebhookEvent = Omit<StoredWebhookEvent, "receivedAt">;

/** The dedupe key of the job that processes a delivery. */
export const webhookJobKey = (eventId: string) => `webhook:${eventId}`;

/**
 * Stores deliveries in one statement; for each, whether it is new. An id seen before, or earlier
 * in the same batch, is a duplicate.
 */
export async function recordWebhookEvents(
  db: Kysely<Tables>,
  events: NewWebhookEvent[],
): Promise<boolean[]> {
  const firsts = new Map<string, number>();
  events.forEach((event, index) => {
    if (!firsts.has(event.id)) firsts.set(event.id, index);
  });
  if (firsts.size === 0) return [];
  const receivedAt = new Date().toISOString();
  const inserted = await db
    .insertInto("webhook_events")
    .values(
      [...firsts.values()].map((index) => {
        const event = events[index] as NewWebhookEvent;
        return {
          id: event.id,
          type: event.type,
          payload: JSON.stringify(event.payload),
          created_at_ms: event.createdAt,
          received_at: receivedAt,
        };
      }),
    )
    .onConflict((conflict) => conflict.column("id").doNothing())
    .returning("id")
    .execute();
  const fresh = new Set(inserted.map((row) => row.id));
  return events.map((event, index) => firsts.get(event.id) === index && fresh.has(event.id));
}

// Every webhook job reads its delivery; those that start alone read it with this.
const selectWebhookEvent = reusableQuery((db: Kysely<Tables>, id: string) =>
  db.selectFrom("webhook_events").select(WEBHOOK_EVENT_COLUMNS).where("id", "=", id),
);

/** The deliveries stored under `ids`, by id. */
export async function getWebhookEvents(
  db: Kysely<Tables>,
  ids: string[],
): Promise<Map<string, StoredWebhookEvent>> {
  const rows =
    ids.length === 1
      ? await selectWebhookEvent(db, ids[0] ?? "")
      : await db
          .selectFrom("webhook_events")
          .select(WEBHOOK_EVENT_COLUMNS)
          .where("id", "in", ids)
          .execute();
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        type: row.type,
        payload: JSON.parse(row.payload),
        createdAt: Number(row.created_at_ms),
        receivedAt: row.received_at,
      },
    ]),
  );
}

/**
 * Drops deliveries received before `before` (ISO timestamp) whose job is gone or succeeded: a
 * queued, running or dead job still needs its event. Returns how many.
 */
export async function pruneWebhookEvents(db: Kysely<Tables>, before: string): Promise<number> {
  const result = await db
    .deleteFrom("webhook_events")
    .where("received_at", "<", before)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("jobs")
            .select("jobs.id")
            .where("jobs.dedupe_key", "=", sql<string>`${webhookJobKey("")} || webhook_events.id`)
            .where("jobs.status", "!=", "succeeded"),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
