import type { ResourceCounter } from "../../store/billing-queries.ts";
import type { Store } from "../../store/store.ts";
import type { Integration, MeterDefinition } from "../define-integration.ts";
import { dayOf } from "./period.ts";

export type Clock = () => Date;

/** A value for one meter of a resource whose product is known. */
export interface ResourceLevel {
  resourceId: string;
  productId: string;
  meter: string;
  value: number;
}

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
    await this.recordLevels([{ resourceId, productId: owner.productId, meter, value }]);
  }

  /**
   * Values for resources the caller has just read, such as the levels a billing report reads
   * through the `usage` hooks: one statement per meter type instead of a lookup and a write each.
   */
  async recordLevels(levels: ResourceLevel[]) {
    const counters = {
      add: new Map<string, ResourceCounter>(),
      peak: new Map<string, ResourceCounter>(),
    };
    for (const { resourceId, productId, meter, value } of levels) {
      const definition = this.integration.product(productId)?.meters?.[meter];
      if (!definition) throw new Error(`Product ${productId} declares no meter ${meter}`);
      const mode = modeOf(definition);
      const key = `${resourceId}\u0000${meter}`;
      const counter = { resourceId, ...this.counter(meter, value) };
      const earlier = counters[mode].get(key);
      // One row per counter and statement: two values for one meter combine as the database would.
      if (earlier) {
        counter.value =
          mode === "add" ? earlier.value + value : Math.max(earlier.value, counter.value);
      }
      counters[mode].set(key, counter);
    }
    for (const mode of ["add", "peak"] as const) {
      if (counters[mode].size > 0)
        await this.store.billing.meter([...counters[mode].values()], mode);
    }
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
