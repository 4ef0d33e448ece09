import type { Logger } from "pino";
import {
  type KnownWebhookType,
  type WebhookPayload,
  WebhookPayloads,
} from "../protocol/webhooks.ts";
import type { InstallationRecord, StoredWebhookEvent } from "../store/records.ts";
import type { VercelClient } from "../vercel/vercel-client.ts";
import type { MemberDirectory } from "./members.ts";
import type { InstallationSync } from "./vercel-sync.ts";

export interface WebhookContext {
  event: Pick<StoredWebhookEvent, "id" | "type" | "createdAt">;
  /** The installation the event is about, when it names one we know. */
  installation?: InstallationRecord;
  /** Vercel's API as that installation, while it is installed. */
  vercel?: VercelClient;
  /** Changes made on your side, kept and told to Vercel (spec §11.2), while it is installed. */
  sync?: InstallationSync;
  /**
   * The members the framework keeps, by Vercel user id; a `marketplace.member.changed` delivery
   * is already applied when its handlers run.
   */
  members: MemberDirectory;
  log: Logger;
}

export type WebhookHandler<Payload> = (ctx: WebhookContext, payload: Payload) => Promise<void>;

type AnyPayload = Record<string, unknown>;

/**
 * Provider handlers by event type, Probot-style. Known types get their payload parsed and typed;
 * any other type is passed as it came. A handler that throws makes the delivery's job retry.
 */
export class WebhookHandlers {
  private readonly byType = new Map<string, WebhookHandler<unknown>[]>();
  private readonly any: WebhookHandler<AnyPayload>[] = [];

  on<T extends KnownWebhookType>(type: T, handler: WebhookHandler<WebhookPayload<T>>): void;
  on(type: string, handler: WebhookHandler<AnyPayload>): void;
  on(type: string, handler: WebhookHandler<never>): void {
    const handlers = this.byType.get(type) ?? [];
    handlers.push(handler as WebhookHandler<unknown>);
    this.byType.set(type, handlers);
  }

  onAny(handler: WebhookHandler<AnyPayload>): void {
    this.any.push(handler);
  }

  async dispatch(ctx: WebhookContext, payload: AnyPayload): Promise<void> {
    const parsed = parsePayload(ctx.event.type, payload);
    for (const handler of this.byType.get(ctx.event.type) ?? []) await handler(ctx, parsed);
    for (const handler of this.any) await handler(ctx, payload);
  }
}

/** Parses a known event's payload; an invalid one is an error (the job retries, then is dead). */
export function parsePayload(type: string, payload: AnyPayload): unknown {
  const schema = (WebhookPayloads as Record<string, { parse(value: unknown): unknown }>)[type];
  return schema ? schema.parse(payload) : payload;
}
