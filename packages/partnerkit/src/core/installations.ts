import type { UserClaims } from "../protocol/claims.ts";
import type { BillingPlan } from "../protocol/common.ts";
import type {
  DeleteInstallationRequest,
  DeleteInstallationResponse,
  InstallationResponse,
  UpdateInstallationRequest,
  UpsertInstallationRequest,
} from "../protocol/installations.ts";
import type { InstallationRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { Integration } from "./define-integration.ts";
import type { HookContexts, HookOrigin } from "./hook-context.ts";
import { PartnerError } from "./partner-error.ts";
import { installationPlans, selectable } from "./plans.ts";
import type { RequestContext } from "./request-context.ts";

/** Installation lifecycle, spec §4.1–§4.4. */
export class InstallationService {
  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly contexts: HookContexts,
    /** The billing side of an uninstall: true when nothing is owed (see BillingService). */
    private readonly settleBilling: (installation: InstallationRecord) => Promise<boolean>,
  ) {}

  async upsert(
    request: RequestContext & { caller: { claims: UserClaims } },
    id: string,
    body: UpsertInstallationRequest,
  ): Promise<InstallationResponse> {
    const existing = await this.store.getInstallation(id);
    if (existing?.accountId && existing.accountId !== request.caller.claims.account_id) {
      throw new PartnerError(403, "forbidden", "Installation belongs to another account");
    }
    const installation = await this.store.upsertInstallation({
      id,
      accountId: request.caller.claims.account_id,
      installerUserId: request.caller.claims.user_id,
      scopes: body.scopes,
      acceptedPolicies: body.acceptedPolicies,
      account: body.account,
      credentials: body.credentials,
      defaultBillingPlanId: this.integration.defaultInstallationPlanId ?? null,
    });
    if (!existing || existing.deletedAt) {
      await this.integration.onInstall?.(this.contexts.create(request, installation));
      request.log.info({ installationId: id }, "installation created");
    }
    return this.describe(installation);
  }

  async get(request: RequestContext, id: string): Promise<InstallationResponse> {
    return this.describe(await this.require(request, id));
  }

  async update(
    request: RequestContext,
    id: string,
    body: UpdateInstallationRequest,
  ): Promise<InstallationResponse> {
    const installation = await this.require(request, id);
    if (body.billingPlanId !== undefined) {
      const plan = selectable(await this.installationPlans(installation), body.billingPlanId, "");
      await this.store.setInstallationPlan(id, plan.id);
    }
    return this.describe(await this.require(request, id));
  }

  /**
   * Uninstall, spec §4.4. With `cascadeResourceDeletion` every resource is deleted through the
   * provider's hook; otherwise resources are kept and marked `uninstalled`. Repeating the call
   * (or the removed webhook) answers the same without doing the work twice.
   */
  async delete(
    request: RequestContext,
    id: string,
    body: DeleteInstallationRequest,
  ): Promise<DeleteInstallationResponse> {
    const installation = await this.store.getInstallation(id);
    if (!installation) throw PartnerError.notFound(`Installation ${id} not found`);
    assertSameAccount(request, installation);
    return this.uninstall(installation, body, request);
  }

  /**
   * `integration-configuration.removed` (spec §6.4): the same uninstall as DELETE, whichever
   * arrives first. The event carries no cascade flag, so resources are kept and marked
   * `uninstalled` (nothing is destroyed on an UNCONFIRMED reading). An unknown id is a no-op.
   */
  async removeByWebhook(id: string, origin: HookOrigin): Promise<void> {
    const installation = await this.store.getInstallation(id);
    if (installation)
      await this.uninstall(installation, { reason: "configuration-removed" }, origin);
  }

  private async uninstall(
    installation: InstallationRecord,
    body: DeleteInstallationRequest,
    origin: HookOrigin,
  ): Promise<DeleteInstallationResponse> {
    const ctx = this.contexts.create(origin, installation);
    const resources = await this.store.listResources(installation.id);
    const finalized = await this.settleBilling(installation);
    if (installation.deletedAt) return { finalized };

    for (const resource of resources.filter((candidate) => !candidate.deletedAt)) {
      const product = this.integration.product(resource.productId);
      if (body.cascadeResourceDeletion) {
        await product?.delete?.(ctx, resource);
        await this.store.markResourceDeleted(resource.id);
      } else {
        await this.store.updateResource(resource.id, { status: "uninstalled" });
      }
    }
    await this.integration.onUninstall?.(ctx);
    await this.store.markInstallationDeleted(installation.id);
    ctx.log.info({ reason: body.reason, finalized }, "installation deleted");
    return { finalized };
  }

  installationPlans(installation: InstallationRecord | undefined): Promise<BillingPlan[]> {
    return installationPlans(this.integration, installation);
  }

  /** The installation, if it exists, is not deleted and belongs to the caller's account. */
  async require(request: RequestContext, id: string): Promise<InstallationRecord> {
    return this.usable(request, id, await this.store.getInstallation(id, request.receivedAt));
  }

  /** `require` for an installation the caller has already read. */
  usable(
    request: RequestContext,
    id: string,
    installation: InstallationRecord | undefined,
  ): InstallationRecord {
    if (!installation || installation.deletedAt)
      throw PartnerError.notFound(`Installation ${id} not found`);
    assertSameAccount(request, installation);
    return installation;
  }

  private async describe(installation: InstallationRecord): Promise<InstallationResponse> {
    const response: InstallationResponse = {};
    if (installation.billingPlanId) {
      const plans = await this.installationPlans(installation);
      const plan = plans.find((candidate) => candidate.id === installation.billingPlanId);
      if (plan) response.billingPlan = plan;
    }
    if (installation.notification) response.notification = installation.notification;
    return response;
  }
}

/** Defence in depth: a token for one account never acts on another account's installation. */
function assertSameAccount(request: RequestContext, installation: InstallationRecord): void {
  const tokenAccount = request.caller.claims.account_id;
  if (installation.accountId && tokenAccount && installation.accountId !== tokenAccount) {
    throw new PartnerError(403, "forbidden", "Installation belongs to another account");
  }
}
