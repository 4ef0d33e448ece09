export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function formatRate(value: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function formatMs(value: number): string {
  return value.toFixed(2);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `2026-11-23 10:09:22 UTC`: when a run finished, for the doc. */
export function formatWhen(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}
