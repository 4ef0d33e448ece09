import type { HeldDeliveries } from "../../core/held-deliveries.ts";
import { type WebhookJobPayload, webhookJobKind } from "../../core/webhook-processor.ts";
import type { JobRunner } from "../../jobs/job-runner.ts";
import { WebhookEnvelope, WebhookReceipt } from "../../protocol/webhooks.ts";
import type { Engine } from "../../store/database.ts";
import { batched } from "../../store/group-commit.ts";
import type { JobRecord, NewJob } from "../../store/records.ts";
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

/** The job runner of this process, which starts a delivery's job in a free slot without a claim. */
export type JobHandoff = Pick<JobRunner, "holder" | "reserve" | "settle">;

/**
 * The handoff a server on `engine` gives its webhook intake: its runner on SQLite. On PostgreSQL
 * one instance with it accepted 2,739 → 1,823 deliveries/s and processed 830 → 590/s (one A/B
 * run; most likely the jobs it started took the pool's connections from intake), so there the
 * store wakes the runners of every instance and they claim (see docs/jobs.md).
 */
export function webhookHandoff(engine: Engine, runner: JobRunner): JobHandoff | undefined {
  return engine === "sqlite" ? runner : undefined;
}

export interface WebhookIntakeOptions {
  onEnqueued?: () => void;
  handoff?: JobHandoff;
  /** Where the jobs the handoff starts find their deliveries (the processor's, see `createServices`). */
  heldDeliveries?: HeldDeliveries;
}

/**
 * Deliveries that arrive together share one transaction (group commit); each is answered once it
 * is durable. With a `handoff`, the jobs it has free slots for are stored held by it and start
 * at once; the others are queued for any runner to claim.
 */
export function webhookIntake(store: Store, options: WebhookIntakeOptions = {}): WebhookIntake {
  return {
    store: batched((events: NewWebhookEvent[]) => storeDeliveries(store, events, options)),
    onEnqueued: options.onEnqueued,
  };
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

/** The deliveries and, for each new one, the job that processes it, in one transaction. */
async function storeDeliveries(
  store: Store,
  events: NewWebhookEvent[],
  { handoff, heldDeliveries }: WebhookIntakeOptions,
): Promise<boolean[]> {
  const reserved = new Map<string, number>();
  let queued: (JobRecord | undefined)[] = [];
  let held: NewWebhookEvent[] = [];
  let fresh: boolean[];
  try {
    fresh = await store.transaction(async (tx) => {
      const recorded = await tx.recordWebhookEvents(events);
      const stored = events.filter((_, index) => recorded[index]);
      const jobs = stored.map(deliveryJob);
      if (handoff) holdForHandoff(jobs, handoff, reserved);
      held = stored.filter((_, index) => jobs[index]?.heldBy);
      queued = await tx.enqueueJobs(jobs);
      return recorded;
    });
  } catch (error) {
    handoff?.settle(reserved, []);
    throw error;
  }
  // Committed: the held jobs, which start now, take their deliveries as they were stored.
  for (const delivery of held) heldDeliveries?.keep(delivery);
  handoff?.settle(reserved, queued);
  return fresh;
}

function deliveryJob(event: NewWebhookEvent): NewJob {
  const payload: WebhookJobPayload = { eventId: event.id };
  return { kind: webhookJobKind(event.type), dedupeKey: webhookJobKey(event.id), payload };
}

/** Marks as many of `jobs` held by the handoff's runner as it has slots for, counting them by kind. */
function holdForHandoff(jobs: NewJob[], handoff: JobHandoff, reserved: Map<string, number>) {
  const wanted = new Map<string, number>();
  for (const job of jobs) wanted.set(job.kind, (wanted.get(job.kind) ?? 0) + 1);
  const { holder } = handoff;
  for (const [kind, count] of wanted) {
    let left = handoff.reserve(kind, count);
    reserved.set(kind, left);
    for (const job of jobs) {
      if (left === 0) break;
      if (job.kind !== kind) continue;
      job.heldBy = holder;
      left--;
    }
  }
}
