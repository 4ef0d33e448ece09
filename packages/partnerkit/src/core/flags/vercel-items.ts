import { z } from "zod";
import { ExperimentationItem } from "../../protocol/experimentation.ts";
import { parseOrThrow } from "../validation.ts";
import type { FlagItemInput } from "./flag-sync-types.ts";

/**
 * Vercel takes item times as integer epoch milliseconds. A number below 10^11 can only be seconds:
 * as milliseconds it would be a time in 1973, while 10^11 seconds is in the year 5138.
 */
export function epochMilliseconds(time: Date | number): number {
  const ms = time instanceof Date ? time.getTime() : time < 1e11 ? time * 1000 : time;
  return Math.round(ms);
}

const ItemList = z.array(ExperimentationItem);

/**
 * The provider's items as Vercel takes them, ids unchanged; a 400 naming each bad field. When an
 * id comes twice, its last item wins, as if the calls had been made one after the other.
 */
export function toExperimentationItems(items: FlagItemInput[]): ExperimentationItem[] {
  const converted = items.map(({ createdAt, updatedAt, ...item }) => ({
    ...item,
    ...(createdAt !== undefined && { createdAt: epochMilliseconds(createdAt) }),
    ...(updatedAt !== undefined && { updatedAt: epochMilliseconds(updatedAt) }),
  }));
  const parsed = parseOrThrow(ItemList, converted, "experimentation items", "items");
  return [...new Map(parsed.map((item) => [item.id, item])).values()];
}
