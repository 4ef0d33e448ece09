import type { BillingWorld } from "./billing-world.ts";

/** The billing period the mid-month scenarios run in. */
export const MARCH = { start: "2030-03-01T00:00:00.000Z", end: "2030-04-01T00:00:00.000Z" };

export const at = (day: number, hour: number) =>
  `2030-03-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00.000Z`;

/**
 * A month of requests on `resourceId` with `change` (a plan change, a transfer) on the 11th at
 * 06:00: 30,000 a day at 09:00 up to the 11th, 50,000 after, plus 20,000 on the 11th at 03:00,
 * before the change. Then the month closes. 300,000 requests come before the change's day,
 * 1,050,000 from it on.
 */
export async function meterMarchChangingOn11th(
  world: BillingWorld,
  resourceId: string,
  change: () => Promise<void>,
): Promise<void> {
  const { meter } = world.partner.services.billing;
  for (let day = 1; day <= 31; day++) {
    if (day === 11) {
      world.setTime(at(11, 3));
      await meter(resourceId, "requests", 20_000);
      world.setTime(at(11, 6));
      await change();
    }
    world.setTime(at(day, 9));
    await meter(resourceId, "requests", day <= 11 ? 30_000 : 50_000);
  }
  world.setTime(at(31, 12));
  await world.tick();
}
