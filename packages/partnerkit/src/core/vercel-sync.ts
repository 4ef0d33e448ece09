import type { JsonObject, Notification, ResourceStatus, Secret } from "../protocol/common.ts";
import {
  applySecrets,
  type Ownership,
  type VercelBillingPlan,
  VercelMetadata,
} from "../protocol/vercel-api.ts";
import type { InstallationRecord, ResourceChanges, ResourceRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { VercelClient } from "../vercel/vercel-client.ts";
import type { Integration } from "./define-integration.ts";
import type { FlagSync } from "./flags/flag-sync-types.ts";
import { InstallationFlagSync } from "./flags/installation-flag-sync.ts";
import { PartnerError } from "./partner-error.ts";
import { installationPlans, selectable, selectableProductPlan } from "./plans.ts";
import { newResourceId } from "./resources.ts";
import { parseOrThrow } from "./validation.ts";

export interface ImportResourceInput {
  /** Your id for it; generated when absent. */
  id?: string;
  productId: string;
  name: string;
  metadata: JsonObject;
  billingPlanId: string;
  status?: ResourceStatus;
  /** `linked` (the default) for resources not billed through Vercel (spec §11.1). */
  ownership?: Ownership;
  secrets: Secret[];
  notification?: Notification;
}

/**
 * Changes made on the provider's side (a dashboard, a job), kept in the store and told to Vercel
 * (spec §11.2): the store first, so that what Vercel re-reads afterwards is already the new state.
 */
export class InstallationSync {
  /** Experimentation items and the flags configuration of this installation's resources. */
  readonly flags: FlagSync;

  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly installation: InstallationRecord,
    private readonly vercel: VercelClient,
  ) {
    this.flags = new InstallationFlagSync(store, installation.id);
  }

  /** Spec §5.5: Create Event `resource.updated`; Vercel then calls Get Resource. */
  async resourceUpdated(resourceId: string, changes: ResourceChanges = {}): Promise<void> {
    const resource = await this.requireResource(resourceId);
    if (Object.keys(changes).length > 0) await this.store.updateResource(resource.id, changes);
    await this.vercel.resourceUpdated(resource.id);
  }

  /** Spec §5.11: new secret values (no redeploy on Vercel's side). */
  async updateResourceSecrets(
    resourceId: string,
    secrets: Secret[],
    options: { partial?: boolean } = {},
  ): Promise<void> {
    const resource = await this.requireResource(resourceId);
    const partial = options.partial ?? false;
    const current = await this.store.resourceSecrets(resource.id);
    await this.store.replaceResourceSecrets(
      resource.id,
      applySecrets(current, { secrets, partial }),
    );
    await this.vercel.updateResourceSecrets(resource.id, secrets, partial);
  }

  /** Spec §5.1: the installation's notification; `null` clears it. */
  async setNotification(notification: Notification | null): Promise<void> {
    await this.store.setInstallationNotification(this.installation.id, notification);
    if (notification) {
      await this.vercel.updateInstallation({ notification });
    } else {
      // The SDK cannot send `notification: null`; after `installation.updated` Vercel re-reads
      // Get Installation, which no longer has one (UNCONFIRMED that this clears it).
      await this.vercel.installationUpdated();
    }
  }

  /** Installation-level plan changed on your side (spec §10): Update Installation, then the event. */
  async changePlan(billingPlanId: string): Promise<void> {
    const plans = await installationPlans(this.integration, this.installation);
    const plan = selectable(plans, billingPlanId, "");
    await this.store.setInstallationPlan(this.installation.id, plan.id);
    await this.vercel.updateInstallation({ billingPlan: vercelPlan(plan) });
    await this.vercel.installationUpdated(plan.id);
  }

  /** Spec §5.8/§11.1: a resource made on your side, stored here and imported into Vercel. */
  async importResource(input: ImportResourceInput): Promise<ResourceRecord> {
    const product = this.integration.product(input.productId);
    if (!product) {
      throw PartnerError.validation("Unknown product", [
        { key: "productId", message: `No product ${input.productId}` },
      ]);
    }
    const metadata = parseOrThrow(product.metadata, input.metadata, "metadata");
    const plan = await selectableProductPlan(
      product,
      metadata,
      this.installation,
      input.billingPlanId,
    );
    const id = input.id ?? newResourceId();
    if (await this.store.getResource(this.installation.id, id)) {
      throw PartnerError.conflict(`Resource ${id} already exists`);
    }
    const status = input.status ?? "ready";
    const resource = await this.store.insertResource({
      id,
      installationId: this.installation.id,
      productId: product.id,
      name: input.name,
      metadata,
      status,
      billingPlanId: plan.id,
      notification: input.notification ?? null,
      protocolSettings: null,
      externalId: null,
      secrets: input.secrets,
    });
    await this.vercel.importResource(id, {
      productId: product.id,
      name: input.name,
      status,
      ownership: input.ownership ?? "linked",
      metadata: VercelMetadata.parse(metadata),
      billingPlan: vercelPlan(plan),
      ...(input.notification && { notification: input.notification }),
      secrets: input.secrets,
    });
    return resource;
  }

  private async requireResource(resourceId: string): Promise<ResourceRecord> {
    const resource = await this.store.getResource(this.installation.id, resourceId);
    if (!resource || resource.deletedAt)
      throw PartnerError.notFound(`Resource ${resourceId} not found`);
    return resource;
  }
}

function vercelPlan(plan: VercelBillingPlan): VercelBillingPlan {
  const { id, type, name, description, paymentMethodRequired, cost, details } = plan;
  return { id, type, name, description, paymentMethodRequired, cost, details };
}
