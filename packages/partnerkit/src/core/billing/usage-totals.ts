import type { VercelUsage } from "../../protocol/vercel-api.ts";
import type { UsageRow } from "../../store/billing-queries.ts";
import type { MeterDefinition } from "../define-integration.ts";

/**
 * A resource's (or, with `resourceId` undefined, the installation's own) quantity of each meter
 * over the rows given: `interval` meters add up, `total` meters take the highest level (what a
 * plan bills storage on; UNCONFIRMED choice of peak over average, spec §5.12 only says "measured
 * level").
 */
export function meterQuantities(
  rows: UsageRow[],
  resourceId: string | undefined,
  meters: Record<string, MeterDefinition> = {},
): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const row of rows) {
    const definition = meters[row.meter];
    if (row.resourceId !== resourceId || !definition) continue;
    const previous = quantities.get(row.meter) ?? 0;
    quantities.set(
      row.meter,
      definition.type === "interval" ? previous + row.value : Math.max(previous, row.value),
    );
  }
  return quantities;
}

/**
 * Spec §5.12 `usage` (without `resourceId`: installation-level): each declared meter's value on
 * `day` and running total for the period.
 */
export function usageLines(
  rows: UsageRow[],
  resourceId: string | undefined,
  meters: Record<string, MeterDefinition> = {},
  day: string,
): VercelUsage[] {
  const period = meterQuantities(rows, resourceId, meters);
  const today = meterQuantities(
    rows.filter((row) => row.day === day),
    resourceId,
    meters,
  );
  return Object.entries(meters).map(([id, meter]) => ({
    ...(resourceId !== undefined && { resourceId }),
    name: meter.name,
    type: meter.type,
    units: meter.units,
    dayValue: today.get(id) ?? 0,
    periodValue: period.get(id) ?? 0,
  }));
}
