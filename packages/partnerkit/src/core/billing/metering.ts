import type { Store } from "../../store/store.ts";
import type { Integration, MeterDefinition } from "../define-integration.ts";
import { dayOf } from "./period.ts";

export type Clock = () => Date;

/** Records usage durably, into the day's counter of a resource's meter or the installation's. */
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
    await this.store.billing.meter(resourceId, this.counter(meter, value), modeOf(definition));
  }

  /** Usage of the installation itself, on a meter the integration declares (spec §10). */
  async recordInstallation(installationId: string, meter: string, value: number) {
    const definition = this.integration.meters?.[meter];
    if (!definition) throw new Error(`The integration declares no installation meter ${meter}`);
    const installation = await this.store.getInstallation(installationId);
    if (!installation || installation.deletedAt) {
      throw new Error(`No installation ${installationId} to meter`);
    }
    await this.store.billing.meterInstallation(
      installationId,
      this.counter(meter, value),
      modeOf(definition),
    );
  }

  private counter(meter: string, value: number) {
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`Meter ${meter} takes a finite, non-negative value, not ${value}`);
    }
    return { meter, day: dayOf(this.now()), value };
  }
}

const modeOf = (definition: MeterDefinition) => (definition.type === "interval" ? "add" : "peak");
