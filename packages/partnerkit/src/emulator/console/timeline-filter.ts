import { z } from "zod";
import type { RecordedCall } from "../recorder.ts";

export const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx", "none"] as const;

/** The timeline's filters, read from its query string; an empty field filters nothing. */
export const TimelineFilter = z.object({
  direction: z.enum(["vercel→partner", "partner→vercel", "webhook"]).optional().catch(undefined),
  installationId: z.string().trim().optional().catch(undefined),
  status: z.enum(STATUS_CLASSES).optional().catch(undefined),
  text: z.string().trim().optional().catch(undefined),
});
export type TimelineFilter = z.infer<typeof TimelineFilter>;

const statusClass = (status: number) => (status === 0 ? "none" : `${Math.floor(status / 100)}xx`);

/** The webhook event type of a delivery, as the partner received it. */
export function webhookEventType(call: RecordedCall): string | undefined {
  if (call.direction !== "webhook") return undefined;
  const type = (call.requestBody as { type?: unknown } | undefined)?.type;
  return typeof type === "string" ? type : undefined;
}

export function matchesFilter(call: RecordedCall, filter: TimelineFilter): boolean {
  if (filter.direction && call.direction !== filter.direction) return false;
  if (filter.installationId && call.installationId !== filter.installationId) return false;
  if (filter.status && statusClass(call.status) !== filter.status) return false;
  if (filter.text) {
    const haystack = [
      call.method,
      decodeURIComponent(call.url),
      webhookEventType(call),
      JSON.stringify(call.requestBody),
      JSON.stringify(call.responseBody),
      call.error,
      ...(call.warnings ?? []),
    ].join(" ");
    if (!haystack.toLowerCase().includes(filter.text.toLowerCase())) return false;
  }
  return true;
}
