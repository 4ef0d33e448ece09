import { randomUUID } from "node:crypto";
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
import { keepRenewing } from "./lease-renewal.ts";
import { BusyError, PartnerError } from "./partner-error.ts";
import { installationPlans, selectable } from "./plans.ts";
import type { RequestContext } from "./request-context.ts";

/** Timing of the installation's lifecycle lock. */
export interface LifecycleLockOptions {
  /**
   * How long a holder keeps the lock without renewing it (default 60 s): a crashed holder's lock
   * is taken over after this long. A live holder renews it every third of it for as long as its
   * work runs.
   */
  leaseMs?: number;
  /** How long a request waits for another one's install or uninstall before answering 503 (default 20 s). */
  waitMs?: number;
}

const DEFAULT_LOCK_LEASE_MS = 60_000;
const DEFAULT_LOCK_WAIT_MS = 20_000;
const LOCK_POLL_MS = 20;
/** Vercel is asked to retry after this long when the installation stays busy. */
const BUSY_RETRY_AFTER_SECONDS = 5;

/** Installation lifecycle, spec §4.1–§4.4. */
export class InstallationService {
  constructor(
    private readonly integration: Integration,
    private readonly store: Store,
    private readonly contexts: HookContexts,
    /** The billing side of an uninstall: true when nothing is owed (see BillingService). */
    private readonly settleBilling: (installation: InstallationRecord) => Promise<boolean>,
    private readonly lock: LifecycleLockOptions = {},
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
    const upsert = () =>
      this.store.upsertInstallation({
        id,
        accountId: request.caller.claims.account_id,
        installerUserId: request.caller.claims.user_id,
        scopes: body.scopes,
        acceptedPolicies: body.acceptedPolicies,
        account: body.account,
        credentials: body.credentials,
        defaultBillingPlanId: this.integration.defaultInstallationPlanId ?? null,
      });
    // A new installation is written first: the lock lives in its row.
    const created = existing ? undefined : await upsert();
    return this.exclusively(id, async () => {
      // Under the lock, so an uninstall finishing meanwhile cannot delete what this call revives.
      const installation = created ?? (await upsert());
      // Recorded only once the hook returns: a hook that failed runs again on the next PUT.
      if (!(await this.store.lifecycle.installed(id))) {
        await this.integration.onInstall?.(this.contexts.create(request, installation));
        await this.store.lifecycle.markInstalled(id);
        request.log.info({ installationId: id }, "installation created");
      }
      return this.describe(installation);
    });
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
   * (or the removed webhook) answers the same without doing the work twice; a cascade after an
   * uninstall that kept resources still deletes them.
   */
  async delete(
    request: RequestContext,
    id: string,
    body: DeleteInstallationRequest,
  ): Promise<DeleteInstallationResponse> {
    const installation = await this.store.getInstallation(id);
    if (!installation) throw PartnerError.notFound(`Installation ${id} not found`);
    assertSameAccount(request, installation);
    return this.uninstall(id, body, request);
  }

  /**
   * `integration-configuration.removed` (spec §6.4): the same uninstall as DELETE, whichever
   * arrives first. The event carries no cascade flag, so resources are kept and marked
   * `uninstalled` (nothing is destroyed on an UNCONFIRMED reading). An unknown id is a no-op.
   */
  async removeByWebhook(id: string, origin: HookOrigin): Promise<void> {
    if (await this.store.getInstallation(id)) {
      await this.uninstall(id, { reason: "configuration-removed" }, origin);
    }
  }

  /**
   * Runs under the installation's lock and reads its state there, so each provider hook runs once
   * however many DELETEs and removed webhooks arrive, on however many instances. A resource is
   * marked deleted, and the installation uninstalled, only after its hook returned: a hook that
   * failed runs again on the retry.
   */
  private uninstall(
    id: string,
    body: DeleteInstallationRequest,
    origin: HookOrigin,
  ): Promise<DeleteInstallationResponse> {
    return this.exclusively(id, async () => {
      const installation = await this.store.getInstallation(id);
      if (!installation) throw PartnerError.notFound(`Installation ${id} not found`);
      const ctx = this.contexts.create(origin, installation);
      const live = (await this.store.listResources(id)).filter((resource) => !resource.deletedAt);
      for (const resource of live) {
        if (body.cascadeResourceDeletion) {
          await this.integration.product(resource.productId)?.delete?.(ctx, resource);
          await this.store.markResourceDeleted(resource.id);
        } else if (resource.status !== "uninstalled") {
          await this.store.updateResource(resource.id, { status: "uninstalled" });
        }
      }
      if (!installation.deletedAt) {
        await this.integration.onUninstall?.(ctx);
        await this.store.lifecycle.markUninstalled(id);
        ctx.log.info({ reason: body.reason }, "installation deleted");
      }
      // After the uninstall is stored: the finalize job this may queue expects it.
      const finalized = await this.settleBilling(installation);
      return { finalized };
    });
  }

  /**
   * Runs `work` holding the installation's lock in the database, waiting for another holder (on
   * any instance) to finish. A holder that crashed is taken over once its lease runs out.
   */
  async exclusively<T>(id: string, work: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const leaseMs = this.lock.leaseMs ?? DEFAULT_LOCK_LEASE_MS;
    const deadline = Date.now() + (this.lock.waitMs ?? DEFAULT_LOCK_WAIT_MS);
    while (!(await this.store.lifecycle.lock(id, owner, leaseMs))) {
      if (!(await this.store.getInstallation(id))) {
        throw PartnerError.notFound(`Installation ${id} not found`);
      }
      if (Date.now() >= deadline) {
        throw new BusyError(
          `Installation ${id} is being installed or uninstalled; try again`,
          BUSY_RETRY_AFTER_SECONDS,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
    // Hooks may run longer than a lease: renewing it keeps another instance from taking over.
    // Stopped before the unlock, so that no renewal can take the lock again after it.
    const renewal = keepRenewing(() => this.store.lifecycle.lock(id, owner, leaseMs), leaseMs);
    try {
      return await work();
    } finally {
      await renewal.stop();
      await this.store.lifecycle.unlock(id, owner);
    }
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
