import { z } from "zod";
import type {
  CreateTransferRequest,
  CreateTransferResponse,
  VerifyTransferResponse,
} from "../protocol/transfers.ts";
import type { TransferRecord } from "../store/records.ts";
import type { Store } from "../store/store.ts";
import type { Integration } from "./define-integration.ts";
import type { HookContexts, Work } from "./hook-context.ts";
import type { InstallationService } from "./installations.ts";
import { PartnerError } from "./partner-error.ts";
import type { RequestContext } from "./request-context.ts";

/** Runs a product's `onTransfer` for one resource moved by an accepted transfer. */
export const TRANSFER_HOOK_JOB = "resource-transferred";

export const TransferHookJobPayload = z.object({ transferId: z.string(), resourceId: z.string() });

/**
 * Resource transfers (claim deployments), spec §4.16, in the current docs' shape: the source
 * installation creates a claim over its own resources; a target installation verifies it and
 * accepts it once, before it expires, which moves the resources to the target and queues each
 * moved resource's `onTransfer` hook.
 */
export class TransferService {
  constructor(
    private readonly store: Store,
    private readonly installations: InstallationService,
    private readonly integration: Integration,
    private readonly contexts: HookContexts,
  ) {}

  async create(
    request: RequestContext,
    sourceInstallationId: string,
    body: CreateTransferRequest,
  ): Promise<CreateTransferResponse> {
    await this.installations.require(request, sourceInstallationId);
    if (body.expiresAt <= Date.now()) {
      throw PartnerError.validation("expiresAt is in the past", [
        { key: "expiresAt", message: "must be a future time in epoch milliseconds" },
      ]);
    }
    const resourceIds = [...new Set(body.resourceIds)];
    for (const resourceId of resourceIds) {
      const resource = await this.store.getResource(sourceInstallationId, resourceId);
      // Another installation's resource and a missing one look the same: nothing leaks.
      if (!resource || resource.deletedAt) {
        throw PartnerError.unprocessable(`Resource ${resourceId} is not in this installation`);
      }
    }
    const transfer = await this.store.transfers.insert({
      sourceInstallationId,
      resourceIds,
      expiresAt: body.expiresAt,
    });
    request.log.info({ transferId: transfer.id, resourceIds }, "resource transfer created");
    return { providerClaimId: transfer.id };
  }

  async verify(
    request: RequestContext,
    targetInstallationId: string,
    claimId: string,
  ): Promise<VerifyTransferResponse> {
    await this.installations.require(request, targetInstallationId);
    const transfer = await this.requireTransfer(claimId);
    assertClaimable(transfer, targetInstallationId);
    for (const resourceId of transfer.resourceIds) {
      const resource = await this.store.getResource(transfer.sourceInstallationId, resourceId);
      if (!resource || resource.deletedAt) {
        throw PartnerError.conflict(`Resource ${resourceId} no longer exists`);
      }
    }
    return { valid: true };
  }

  /**
   * Completes the claim and moves its resources in one transaction. A repeat for the same target
   * (Vercel's retry, or a concurrent twin that lost the race) answers the same without a second
   * move; another target gets a 409. The hooks' jobs are queued by the transaction that moves, so
   * they exist exactly when the move does and never twice. The hooks do not run inside it: the
   * provider's own queries would wait for it forever on SQLite (one connection), and its network
   * calls would hold the claim's row lock on PostgreSQL.
   */
  async accept(
    request: RequestContext,
    targetInstallationId: string,
    claimId: string,
  ): Promise<void> {
    await this.installations.require(request, targetInstallationId);
    const transfer = await this.requireTransfer(claimId);
    if (transfer.sourceInstallationId === targetInstallationId) throw alreadyOwned();
    const moved = await this.store.transaction(async (store) => {
      if (!(await store.transfers.complete(claimId, targetInstallationId, Date.now())))
        return false;
      const count = await store.transfers.moveResources(
        transfer.resourceIds,
        transfer.sourceInstallationId,
        targetInstallationId,
      );
      if (count !== transfer.resourceIds.length) {
        throw PartnerError.conflict("Some resources of this transfer no longer exist");
      }
      if (this.integration.products.some((product) => product.onTransfer)) {
        await store.enqueueJobs(
          transfer.resourceIds.map((resourceId) => ({
            kind: TRANSFER_HOOK_JOB,
            payload: { transferId: claimId, resourceId },
            dedupeKey: `transfer:${claimId}:${resourceId}`,
          })),
        );
      }
      return true;
    });
    if (moved) {
      request.log.info(
        { transferId: claimId, from: transfer.sourceInstallationId, to: targetInstallationId },
        "resource transfer accepted",
      );
      return;
    }
    const current = await this.requireTransfer(claimId);
    if (current.status === "completed" && current.targetInstallationId === targetInstallationId)
      return;
    assertClaimable(current, targetInstallationId);
    throw PartnerError.conflict("The transfer can no longer be accepted");
  }

  /** The job of one moved resource: its product's `onTransfer`, bound to the new installation. */
  async runTransferHook(transferId: string, resourceId: string, work: Work): Promise<void> {
    const transfer = await this.store.transfers.get(transferId);
    const to = transfer?.targetInstallationId;
    if (!transfer || !to) throw new Error(`Transfer ${transferId} is not completed`);
    const installation = await this.store.getInstallation(to);
    const resource = await this.store.getResource(to, resourceId);
    const hook = resource && this.integration.product(resource.productId)?.onTransfer;
    // Deleted or moved on meanwhile (a later transfer queues its own call), or nothing to run.
    if (!installation || installation.deletedAt || !resource || resource.deletedAt || !hook) return;
    const ctx = this.contexts.create({ requestId: transferId, ...work }, installation);
    await hook(ctx, resource, { id: transferId, from: transfer.sourceInstallationId, to });
    ctx.log.info({ resourceId, transferId }, "transfer hook ran");
  }

  private async requireTransfer(claimId: string): Promise<TransferRecord> {
    const transfer = await this.store.transfers.get(claimId);
    if (!transfer) throw PartnerError.notFound(`Transfer ${claimId} not found`);
    return transfer;
  }
}

function assertClaimable(transfer: TransferRecord, targetInstallationId: string): void {
  if (transfer.status === "completed") {
    throw PartnerError.conflict("The transfer was already completed");
  }
  if (transfer.expiresAt <= Date.now()) throw PartnerError.conflict("The transfer has expired");
  if (transfer.sourceInstallationId === targetInstallationId) throw alreadyOwned();
}

const alreadyOwned = () =>
  PartnerError.conflict("The resources already belong to this installation");
