/** An instant as the console shows it: date, time to the second and the zone, e.g. `2026-12-06 20:15:04 UTC`. */
export function formatInstant(at: string | number | Date): string {
  return `${new Date(at).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A short axis label, `Dec 6, 20:15` (UTC), to the second when the axis spans less than an hour. */
export function formatAxisInstant(at: number, spanMs: number): string {
  return new Date(at).toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    ...(spanMs < 3_600_000 && { second: "2-digit" }),
    hourCycle: "h23",
    timeZone: "UTC",
  });
}
