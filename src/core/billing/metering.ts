import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import { dayOf } from "./period.ts";

export type Clock = () => Date;

/** Records usage durably, into the day's counter of a resource's meter. */
export class Metering {
  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly now: Clock,
  ) {}

  /**
   * For code outside a hook, such as a data plane: the resource may belong to any installation.
   * Metering a deleted or unknown resource is an error, as is a meter its product does not declare.
   */
  async record(resourceId: string, meter: string, value: number, installationId?: string) {
    const owner = await this.store.billing.resourceOwner(resourceId);
    if (!owner || (installationId !== undefined && owner.installationId !== installationId)) {
      throw new Error(`No resource ${resourceId} to meter`);
    }
    const definition = this.integration.product(owner.productId)?.meters?.[meter];
    if (!definition) throw new Error(`Product ${owner.productId} declares no meter ${meter}`);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`Meter ${meter} takes a finite, non-negative value, not ${value}`);
    }
    await this.store.billing.meter(
      { resourceId, meter, day: dayOf(this.now()), value },
      definition.type === "interval" ? "add" : "peak",
    );
  }
}
