import { randomBytes } from "node:crypto";
import { z } from "zod";
import { readOnlyChanges } from "../product/read-only-fields.ts";
import {
  type BillingPlan,
  type JsonObject,
  Notification,
  ResourceStatus,
  Secret,
} from "../protocol/common.ts";
import type {
  ProvisionResourceRequest,
  ProvisionResourceResponse,
  Resource,
  UpdateResourceRequest,
} from "../protocol/resources.ts";
import type { InstallationRecord, NewResource, ResourceRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { DefinedProduct, HookContext, Integration, Product } from "./define-integration.ts";
import { type FlagSyncService, namesNewEdgeConfig } from "./flags/flag-sync-service.ts";
import type { HookContexts } from "./hook-context.ts";
import type { InstallationService } from "./installations.ts";
import { PartnerError } from "./partner-error.ts";
import { resolvePlans, selectableProductPlan } from "./plans.ts";
import type { RequestContext } from "./request-context.ts";
import { parseOrThrow } from "./validation.ts";

/** What a provision hook may answer; checked because it goes straight to Vercel. */
const ProvisionResult = z.object({
  status: ResourceStatus.optional(),
  secrets: z.array(Secret),
  notification: Notification.optional(),
});

export const newResourceId = () => `res_${randomBytes(12).toString("base64url")}`;

/** Resource lifecycle, spec §4.5–§4.9 and §4.13. */
export class ResourceService {
  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly installations: InstallationService,
    private readonly contexts: HookContexts,
    private readonly flags: FlagSyncService,
  ) {}

  async provision(
    request: RequestContext,
    installationId: string,
    body: ProvisionResourceRequest,
  ): Promise<ProvisionResourceResponse> {
    const installation = await this.installations.require(request, installationId);
    const product = this.integration.product(body.productId);
    if (!product) {
      throw PartnerError.validation("Unknown product", [
        { key: "productId", message: `No product ${body.productId}` },
      ]);
    }
    const metadata = parseOrThrow(product.metadata, body.metadata, "metadata");
    const plan = await selectableProductPlan(product, metadata, installation, body.billingPlanId);
    const id = newResourceId();
    const ctx = this.contexts.create(request, installation);
    const result = ProvisionResult.parse(
      await product.provision(ctx, {
        id,
        name: body.name,
        metadata,
        billingPlan: plan,
        externalId: body.externalId,
        protocolSettings: body.protocolSettings,
      }),
    );
    const row: NewResource = {
      id,
      installationId,
      productId: product.id,
      name: body.name,
      metadata,
      status: result.status ?? "ready",
      billingPlanId: plan.id,
      notification: result.notification ?? null,
      protocolSettings: body.protocolSettings ?? null,
      externalId: body.externalId ?? null,
      secrets: result.secrets,
    };
    let resource: ResourceRecord;
    try {
      resource = await this.store.transaction(async (store) => {
        const inserted = await store.insertResource(row);
        // An installation-scoped plan chosen here becomes the installation's plan (spec §4.5).
        if (plan.scope === "installation") await store.setInstallationPlan(installationId, plan.id);
        if (namesNewEdgeConfig(null, row.protocolSettings)) {
          await this.flags.edgeConfigNamed(store, inserted);
        }
        return inserted;
      });
    } catch (error) {
      await this.undoProvision(ctx, product, row);
      throw error;
    }
    ctx.log.info({ resourceId: id, productId: product.id }, "resource provisioned");
    return { ...toResourceBody(resource, plan), secrets: result.secrets };
  }

  /**
   * The provider made a resource the store could not record: without this it would be orphaned,
   * and the request's retry would provision a second one. A crash between the two still leaves it.
   */
  private async undoProvision(ctx: HookContext, product: Product, row: NewResource): Promise<void> {
    const at = new Date().toISOString();
    const { secrets: _secrets, ...record } = row;
    try {
      await product.delete?.(ctx, { ...record, createdAt: at, updatedAt: at, deletedAt: null });
    } catch (error) {
      ctx.log.error(
        { err: error, resourceId: row.id, productId: product.id },
        "resource provisioned but not recorded, and deleting it failed: delete it by hand",
      );
    }
  }

  async get(
    request: RequestContext,
    installationId: string,
    resourceId: string,
  ): Promise<Resource> {
    const { installation, resource } = await this.live(request, installationId, resourceId);
    return this.describe(resource, installation);
  }

  async list(request: RequestContext, installationId: string, ids: string[]): Promise<Resource[]> {
    const read = await this.store.getInstallationWithResources(installationId, request.receivedAt);
    const installation = this.installations.usable(request, installationId, read.installation);
    const wanted = ids.length > 0 ? new Set(ids) : undefined;
    const resources = read.resources.filter(
      (resource) => !resource.deletedAt && (!wanted || wanted.has(resource.id)),
    );
    return Promise.all(resources.map((resource) => this.describe(resource, installation)));
  }

  async update(
    request: RequestContext,
    installationId: string,
    resourceId: string,
    body: UpdateResourceRequest,
  ): Promise<Resource> {
    const { installation, resource } = await this.live(request, installationId, resourceId);
    const product = this.requireProduct(resource);
    if (body.metadata !== undefined) {
      const refused = readOnlyChanges(product.metadataSchema, resource.metadata, body.metadata);
      if (refused.length > 0) throw PartnerError.validation("Invalid metadata", refused);
    }
    const metadata =
      body.metadata === undefined
        ? undefined
        : parseOrThrow(product.metadata, { ...resource.metadata, ...body.metadata }, "metadata");
    const plan =
      body.billingPlanId === undefined
        ? undefined
        : await selectableProductPlan(
            product,
            metadata ?? resource.metadata,
            installation,
            body.billingPlanId,
          );
    const result = await product.update?.(this.contexts.create(request, installation), resource, {
      name: body.name,
      metadata,
      billingPlan: plan,
      status: body.status,
    });
    const protocolSettings =
      body.protocolSettings === undefined
        ? undefined
        : { ...resource.protocolSettings, ...body.protocolSettings };
    const changes = {
      name: body.name,
      metadata,
      billingPlanId: plan?.id,
      status: result?.status ?? body.status,
      notification: result?.notification,
      protocolSettings,
    };
    if (namesNewEdgeConfig(resource.protocolSettings, protocolSettings)) {
      await this.store.transaction(async (store) => {
        await store.updateResource(resourceId, changes);
        await this.flags.edgeConfigNamed(store, resource);
      });
    } else {
      await this.store.updateResource(resourceId, changes);
    }
    return this.describe(await this.requireResource(installationId, resourceId), installation);
  }

  /**
   * Spec §4.8: deleting a resource that is already deleted answers 204 again. Under the
   * installation's lock, so the hook runs once even beside another DELETE or an uninstall.
   */
  async delete(request: RequestContext, installationId: string, resourceId: string): Promise<void> {
    const installation = await this.installations.require(request, installationId);
    await this.installations.exclusively(installationId, async () => {
      const resource = await this.store.getResource(installationId, resourceId);
      if (!resource) throw PartnerError.notFound(`Resource ${resourceId} not found`);
      if (resource.deletedAt) return;
      const product = this.integration.product(resource.productId);
      await product?.delete?.(this.contexts.create(request, installation), resource);
      await this.store.markResourceDeleted(resourceId);
      request.log.info({ installationId, resourceId }, "resource deleted");
    });
  }

  async plans(
    request: RequestContext,
    installationId: string,
    resourceId: string,
    metadata: JsonObject | undefined,
  ): Promise<BillingPlan[]> {
    const { installation, resource } = await this.live(request, installationId, resourceId);
    const product = this.requireProduct(resource);
    return resolvePlans(product.plans, { metadata: metadata ?? resource.metadata, installation });
  }

  /** The live resource with its installation and product, for the operations beside CRUD. */
  async target(request: RequestContext, installationId: string, resourceId: string) {
    const { installation, resource } = await this.live(request, installationId, resourceId);
    return { installation, resource, product: this.requireProduct(resource) };
  }

  private async requireResource(
    installationId: string,
    resourceId: string,
  ): Promise<ResourceRecord> {
    return liveResource(resourceId, await this.store.getResource(installationId, resourceId));
  }

  /** The caller's installation and a live resource of it, read together. */
  private async live(request: RequestContext, installationId: string, resourceId: string) {
    const read = await this.store.getResourceWithInstallation(
      installationId,
      resourceId,
      request.receivedAt,
    );
    return {
      installation: this.installations.usable(request, installationId, read.installation),
      resource: liveResource(resourceId, read.resource),
    };
  }

  private requireProduct(resource: ResourceRecord): DefinedProduct {
    const product = this.integration.product(resource.productId);
    if (!product) throw PartnerError.conflict(`Product ${resource.productId} is no longer offered`);
    return product;
  }

  private async describe(
    resource: ResourceRecord,
    installation: InstallationRecord,
  ): Promise<Resource> {
    const product = this.integration.product(resource.productId);
    const plans = product
      ? await resolvePlans(product.plans, { metadata: resource.metadata, installation })
      : [];
    return toResourceBody(
      resource,
      plans.find((plan) => plan.id === resource.billingPlanId),
    );
  }
}

function liveResource(id: string, resource: ResourceRecord | undefined): ResourceRecord {
  if (!resource || resource.deletedAt) throw PartnerError.notFound(`Resource ${id} not found`);
  return resource;
}

export function toResourceBody(resource: ResourceRecord, plan: BillingPlan | undefined): Resource {
  return {
    id: resource.id,
    productId: resource.productId,
    name: resource.name,
    metadata: resource.metadata,
    status: resource.status,
    ...(plan && { billingPlan: plan }),
    ...(resource.notification && { notification: resource.notification }),
    ...(resource.protocolSettings && { protocolSettings: resource.protocolSettings }),
  };
}
