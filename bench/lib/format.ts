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
